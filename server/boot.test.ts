import { spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmptyPostgresDatabase, testDatabaseKind } from "@/server/test/database";

/**
 * Startup as the portal does it (instrumentation.ts → boot()), in a child process: a bad configuration
 * must stop the process with exactly one clear line naming the variable.
 */
async function boot(env: Record<string, string>) {
  // Asynchronous: the wrong-issuer test's HTTP server lives in this process and must keep answering.
  const child = spawn(process.execPath, ["--import", "tsx", "-e", "import('./server/boot.ts').then((m) => m.boot()).then(() => process.exit(0))"], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_ENV: "development", KEYCARD_SCHEDULER: "off", KEYCARD_DEMO_TARGET_PORT: "0", ...env },
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const errorLines = stderr.split("\n").filter((line) => line.trim() && !line.includes("nodedir") && !line.startsWith("npm warn"));
  return { status, errorLines };
}

let wrongIssuer: http.Server;
let wrongIssuerUrl = "";

beforeAll(async () => {
  // An "issuer" whose discovery document names a different issuer.
  wrongIssuer = http.createServer((_req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ issuer: "https://someone-else.example" }));
  });
  await new Promise<void>((resolve) => wrongIssuer.listen(0, "127.0.0.1", resolve));
  wrongIssuerUrl = `http://127.0.0.1:${(wrongIssuer.address() as AddressInfo).port}`;
});
afterAll(() => {
  wrongIssuer.close();
});

const production = { NODE_ENV: "production", AUTH_SECRET: "s".repeat(40) };
const oidc = { AUTH_OIDC_CLIENT_ID: "keycard", AUTH_OIDC_CLIENT_SECRET: "secret" };

describe("startup with a bad configuration", () => {
  it.each([
    ["a malformed DATABASE_URL", { DATABASE_URL: "postgres//nope" }, /^Invalid configuration: DATABASE_URL must be a postgresql:\/\//],
    ["a DATABASE_URL nothing answers at", { DATABASE_URL: "postgresql://postgres@127.0.0.1:1/keycard" }, /^Invalid configuration: DATABASE_URL cannot be reached/],
    ["AUTH_SECRET missing in production", { NODE_ENV: "production" }, /^Invalid configuration: AUTH_SECRET is required in production/],
    ["demo sign-in in production", { ...production, KEYCARD_DEMO: "1" }, /^Invalid configuration: KEYCARD_DEMO demo sign-in is refused in production/],
    ["an OIDC issuer that is not a URL", { AUTH_OIDC_ISSUER: "idp.example", ...oidc }, /^Invalid configuration: AUTH_OIDC_ISSUER must be an http\(s\) URL/],
    ["an OIDC issuer nothing answers at", { AUTH_OIDC_ISSUER: "http://127.0.0.1:1", ...oidc }, /^Invalid configuration: AUTH_OIDC_ISSUER discovery failed/],
  ])("%s stops it with one line naming the variable", async (_name, env, expected) => {
    const { status, errorLines } = await boot(env as Record<string, string>);
    expect(status).toBe(1);
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatch(expected);
  });

  it("an OIDC issuer that names another issuer stops it", async () => {
    const { status, errorLines } = await boot({ AUTH_OIDC_ISSUER: wrongIssuerUrl, ...oidc });
    expect(status).toBe(1);
    expect(errorLines).toEqual([expect.stringMatching(/^Invalid configuration: AUTH_OIDC_ISSUER is .* but the provider says its issuer is https:\/\/someone-else.example/)]);
  });

  it.runIf(testDatabaseKind === "postgres")("a PostgreSQL database that was never migrated stops it, naming the command to run", async () => {
    const empty = await createEmptyPostgresDatabase("keycard_boot");
    try {
      const { status, errorLines } = await boot({ DATABASE_URL: empty.url });
      expect(status).toBe(1);
      expect(errorLines).toEqual([expect.stringMatching(/^Database not migrated: \d+ migration\(s\) pending .*; run npm run db:migrate$/)]);
    } finally {
      await empty.drop();
    }
  });
});
