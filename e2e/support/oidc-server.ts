import { generateKeyPairSync, type JsonWebKey } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { pathToFileURL } from "node:url";

/**
 * A real OpenID Provider (panva's `oidc-provider`) for end-to-end tests of single sign-on: authorization
 * code flow with PKCE required, a login page with a fixed set of accounts, consent granted automatically
 * for the one client. Nothing here is fit for anything but tests: state is in memory, the signing key is
 * made at startup, the cookie key is a constant, and there are no passwords.
 *
 *   npx tsx e2e/support/oidc-server.ts      (Playwright starts it as a webServer)
 *
 * Environment: OIDC_PORT (9911), OIDC_CLIENT_ID ("keycard-e2e"), OIDC_CLIENT_SECRET ("keycard-e2e-secret"),
 * OIDC_REDIRECT_URIS (comma list; default DEFAULT_REDIRECT_URIS).
 * Issuer: http://127.0.0.1:<port>. GET /health answers 200 once the provider is ready.
 */

export interface TestAccount {
  /** What is typed into "Username"; also the subject (`sub`). */
  login: string;
  name: string;
  email: string;
  groups: readonly string[];
}

export const TEST_ACCOUNTS: readonly TestAccount[] = [
  { login: "ada", name: "Ada Lovelace", email: "ada@oidc.example.test", groups: ["kc-admins", "engineering"] },
  { login: "alan", name: "Alan Turing", email: "alan@oidc.example.test", groups: ["kc-auditors"] },
  { login: "grace", name: "Grace Hopper", email: "grace@oidc.example.test", groups: ["kc-approvers", "engineering"] },
  { login: "linus", name: "Linus Torvalds", email: "linus@oidc.example.test", groups: ["engineering"] },
];

/** The role map that turns the accounts' groups into Keycard roles (AUTH_OIDC_ROLE_MAP). */
export const TEST_ROLE_MAP = "kc-admins=admin,kc-auditors=auditor,kc-approvers=approver";

/**
 * Both spellings of the app's host: Next.js reports a request to 127.0.0.1 as coming to localhost (unless
 * `skipProxyUrlNormalize` is set), so Auth.js builds its callback URL with whichever host Next shows it.
 */
export const DEFAULT_REDIRECT_URIS = [
  "http://127.0.0.1:3100/api/auth/callback/oidc",
  "http://localhost:3100/api/auth/callback/oidc",
];

export interface OidcServerOptions {
  port: number;
  clientId: string;
  clientSecret: string;
  redirectUris: readonly string[];
}

export function optionsFromEnv(source: Record<string, string | undefined> = process.env): OidcServerOptions {
  const port = Number(source.OIDC_PORT || 9911);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`OIDC_PORT must be a port number, got "${source.OIDC_PORT}"`);
  }
  const redirectUris = (source.OIDC_REDIRECT_URIS || DEFAULT_REDIRECT_URIS.join(","))
    .split(",")
    .map((uri) => uri.trim())
    .filter(Boolean);
  return {
    port,
    clientId: source.OIDC_CLIENT_ID || "keycard-e2e",
    clientSecret: source.OIDC_CLIENT_SECRET || "keycard-e2e-secret",
    redirectUris,
  };
}

// oidc-provider ships no type declarations (and @types/oidc-provider is not a dependency), so the parts of
// its API used here are described by these narrow interfaces and the import is cast to them once.
type NodeHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

interface Interaction {
  uid: string;
  prompt: { name: string; details: Record<string, unknown> };
  params: Record<string, unknown>;
  session?: { accountId?: string };
  grantId?: string;
}

interface GrantInstance {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  addResourceScope(indicator: string, scope: string): void;
  save(): Promise<string>;
}

type InteractionResult =
  | { login: { accountId: string } }
  | { consent: { grantId: string } }
  | { error: string; error_description?: string };

interface ProviderInstance {
  proxy: boolean;
  callback(): NodeHandler;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: InteractionResult,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>;
  Grant: {
    new (init: { accountId: string; clientId: string }): GrantInstance;
    find(id: string): Promise<GrantInstance | undefined>;
  };
  on(event: "server_error", listener: (ctx: unknown, error: Error) => void): void;
}

type ProviderConstructor = new (issuer: string, configuration: Record<string, unknown>) => ProviderInstance;

interface PolicyContext {
  oidc: { result?: { login?: unknown } };
}

interface InteractionPolicy {
  base(): Array<{ name: string; checks: unknown[] }>;
  Check: {
    new (reason: string, description: string, error: string, check: (ctx: PolicyContext) => boolean): unknown;
    REQUEST_PROMPT: boolean;
    NO_NEED_TO_PROMPT: boolean;
  };
}

async function loadOidcProvider(): Promise<{ Provider: ProviderConstructor; interactionPolicy: InteractionPolicy }> {
  // @ts-expect-error -- untyped package (see the interfaces above).
  const mod: Record<string, unknown> = await import("oidc-provider");
  return {
    Provider: mod.default as ProviderConstructor,
    interactionPolicy: mod.interactionPolicy as InteractionPolicy,
  };
}

/**
 * The default prompts, plus: ask who you are on every authorization. A real IdP would sign the browser in
 * silently while its own session lasts; here that would let a test that signs out of Keycard and in as
 * another persona come back as the previous one.
 */
function alwaysLoginPolicy({ base, Check }: InteractionPolicy) {
  const policy = base();
  const login = policy.find((prompt) => prompt.name === "login");
  if (!login) throw new Error("oidc-provider's base policy has no login prompt");
  login.checks.push(
    new Check(
      "test_op_always_login",
      "the test provider asks for the user on every authorization",
      "login_required",
      (ctx) => (ctx.oidc.result?.login ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT),
    ),
  );
  return policy;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function loginPage(uid: string, error?: string): string {
  const accounts = TEST_ACCOUNTS.map(
    (a) => `<li><code>${escapeHtml(a.login)}</code> — ${escapeHtml(a.groups.join(", "))}</li>`,
  ).join("");
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in — test OpenID Provider</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;max-width:24rem;margin:4rem auto;padding:0 1rem}
label,input,button{display:block;width:100%;box-sizing:border-box}
input,button{padding:.5rem;margin:.25rem 0 1rem;font:inherit}
p[role=alert]{color:#b00020}
</style>
</head>
<body>
<main>
<h1>Test OpenID Provider</h1>
${error ? `<p role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="/interaction/${encodeURIComponent(uid)}/login">
<label for="login">Username</label>
<input id="login" name="login" autocomplete="username" autofocus required>
<button type="submit">Sign in</button>
</form>
<p>Test accounts (no password):</p>
<ul>${accounts}</ul>
</main>
</body>
</html>`;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = "";
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > 10_000) throw new Error("form too large");
  }
  return new URLSearchParams(body);
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.statusCode = status;
  res.setHeader("Content-Type", contentType);
  res.setHeader("Cache-Control", "no-store");
  res.end(body);
}

export interface RunningOidcServer {
  issuer: string;
  server: Server;
  close(): Promise<void>;
}

export async function startOidcServer(options: OidcServerOptions): Promise<RunningOidcServer> {
  const { Provider, interactionPolicy } = await loadOidcProvider();
  const issuer = `http://127.0.0.1:${options.port}`;
  const accounts = new Map(TEST_ACCOUNTS.map((account) => [account.login, account]));
  // A fresh key per start: tokens need not survive a restart of the test provider.
  const signingKey: JsonWebKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
    format: "jwk",
  });

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    // Groups are released for the `groups` scope and also with `profile`, like IdPs that attach the groups
    // claim to the application rather than to a scope (Entra ID, Keycloak), so Keycard's default scope
    // "openid email profile" receives them.
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name", "preferred_username", "groups"],
      groups: ["groups"],
    },
    // Put the scope's claims in the ID token itself (Auth.js builds the profile from the ID token only).
    conformIdTokenClaims: false,
    async findAccount(_ctx: unknown, sub: string) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: account.login,
        async claims() {
          return {
            sub: account.login,
            name: account.name,
            preferred_username: account.login,
            email: account.email,
            email_verified: true,
            groups: [...account.groups],
          };
        },
      };
    },
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
      policy: alwaysLoginPolicy(interactionPolicy),
    },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    jwks: { keys: [{ ...signingKey, use: "sig", alg: "RS256" }] },
    // A constant on purpose: this provider only ever runs in tests.
    cookies: { keys: ["keycard-e2e-oidc-cookie-key-not-a-secret"] },
    // Seconds; explicit so oidc-provider does not print a notice for each default.
    ttl: { AuthorizationCode: 60, Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
  });
  provider.proxy = false;
  provider.on("server_error", (_ctx, error) => console.error("oidc-server error:", error));

  const providerHandler = provider.callback();

  async function handleInteraction(req: IncomingMessage, res: ServerResponse, uid: string, action?: string) {
    const interaction = await provider.interactionDetails(req, res);
    if (interaction.uid !== uid) return send(res, 400, "text/plain", "interaction mismatch");
    const { name: prompt, details } = interaction.prompt;

    if (req.method === "GET" && !action && prompt === "login") {
      return send(res, 200, "text/html; charset=utf-8", loginPage(uid));
    }

    if (req.method === "POST" && action === "login" && prompt === "login") {
      const login = (await readForm(req)).get("login")?.trim() ?? "";
      if (!accounts.has(login)) {
        return send(res, 200, "text/html; charset=utf-8", loginPage(uid, `Unknown user "${login}".`));
      }
      const result = { login: { accountId: login } };
      return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    }

    if (req.method === "GET" && !action && prompt === "consent") {
      // Consent is granted without asking: the only registered client is the application under test.
      const accountId = interaction.session?.accountId;
      if (!accountId || interaction.params.client_id !== options.clientId) {
        return send(res, 400, "text/plain", "consent can only be granted to the test client for a signed-in user");
      }
      const grant =
        (interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined) ??
        new provider.Grant({ accountId, clientId: options.clientId });
      const missingScope = stringList(details.missingOIDCScope);
      if (missingScope.length > 0) grant.addOIDCScope(missingScope.join(" "));
      const missingClaims = stringList(details.missingOIDCClaims);
      if (missingClaims.length > 0) grant.addOIDCClaims(missingClaims);
      const missingResourceScopes = details.missingResourceScopes;
      if (missingResourceScopes && typeof missingResourceScopes === "object") {
        for (const [indicator, scopes] of Object.entries(missingResourceScopes)) {
          grant.addResourceScope(indicator, stringList(scopes).join(" "));
        }
      }
      const grantId = await grant.save();
      return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    }

    return send(res, 400, "text/plain", `unexpected ${req.method} for prompt "${prompt}"`);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    if (url.pathname === "/health") return send(res, 200, "text/plain", "ok");
    const match = /^\/interaction\/([^/]+)(?:\/([a-z]+))?$/.exec(url.pathname);
    if (match?.[1]) {
      handleInteraction(req, res, decodeURIComponent(match[1]), match[2]).catch((error: unknown) => {
        // An expired or unknown interaction (e.g. the cookie is gone) lands here as SessionNotFound.
        const message = error instanceof Error ? error.message : String(error);
        if (!res.headersSent) send(res, 400, "text/plain", `interaction failed: ${message}`);
        else res.end();
      });
      return;
    }
    void providerHandler(req, res);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });

  return {
    issuer,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const options = optionsFromEnv();
  const running = await startOidcServer(options);
  console.log(
    `Test OpenID Provider listening: issuer ${running.issuer}, client ${options.clientId}, ` +
      `redirect ${options.redirectUris.join(" ")}`,
  );
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      running.server.closeAllConnections();
      void running.close().finally(() => process.exit(0));
    });
  }
}
