import { EnvError } from "@/server/env";

/** One line for the operator, whatever went wrong at startup. */
export function describeStartupError(error: unknown): string {
  if (error instanceof EnvError || error instanceof StartupError) return error.message;
  const message = errorText(error);
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|Can't reach database|DatabaseNotReachable|DatabaseDoesNotExist|AuthenticationFailed|password authentication/.test(message)) {
    const reason = /Message: `([^`]+)`/.exec(message)?.[1] ?? message.split("\n")[0];
    return `Invalid configuration: DATABASE_URL cannot be reached (${reason})`;
  }
  if (message.startsWith("Database not migrated")) return message.split("\n")[0] ?? message;
  return `Keycard could not start: ${message.split("\n")[0]}`;
}

/** Node's connection errors are often AggregateErrors with an empty message; their codes say more. */
function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const parts = [error.message];
  const code = (error as NodeJS.ErrnoException).code;
  if (code) parts.push(code);
  if (error instanceof AggregateError) parts.push(...error.errors.map(errorText));
  if (error.cause) parts.push(errorText(error.cause));
  // Prisma wraps driver-adapter failures; the adapter's kind (DatabaseNotReachable…) is in meta.
  const adapterKind = (error as { meta?: { driverAdapterError?: { cause?: { kind?: string } } } }).meta?.driverAdapterError?.cause?.kind;
  if (adapterKind) parts.push(adapterKind);
  return parts.filter(Boolean).join(" ").trim() || error.name;
}

export class StartupError extends Error {
  override name = "StartupError";
}

/** A wrong issuer would only fail at the first sign-in; find out at startup instead. */
export async function checkOidcIssuer(issuer: string): Promise<void> {
  const url = `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  } catch (error) {
    throw new StartupError(`Invalid configuration: AUTH_OIDC_ISSUER discovery failed at ${url} (${(error as Error).cause ?? (error as Error).message})`);
  }
  if (!response.ok) {
    throw new StartupError(`Invalid configuration: AUTH_OIDC_ISSUER discovery at ${url} answered HTTP ${response.status}`);
  }
  const document = (await response.json().catch(() => null)) as { issuer?: unknown } | null;
  if (!document || typeof document.issuer !== "string") {
    throw new StartupError(`Invalid configuration: AUTH_OIDC_ISSUER ${url} is not an OpenID Provider configuration`);
  }
  if (document.issuer.replace(/\/$/, "") !== issuer.replace(/\/$/, "")) {
    throw new StartupError(`Invalid configuration: AUTH_OIDC_ISSUER is ${issuer} but the provider says its issuer is ${document.issuer}`);
  }
}
