import { EnvError } from "@/server/env";

/** One line for the operator, whatever went wrong at startup. */
export function describeStartupError(error: unknown): string {
  if (error instanceof EnvError || error instanceof StartupError) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|password authentication|does not exist/.test(message)) {
    return `Invalid configuration: DATABASE_URL cannot be reached (${message.split("\n")[0]})`;
  }
  if (/_prisma_migrations|relation .* does not exist/.test(message)) {
    return `Database not migrated: run \`npm run db:migrate\` (${message.split("\n")[0]})`;
  }
  return `Keycard could not start: ${message.split("\n")[0]}`;
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
