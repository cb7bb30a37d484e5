import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "@/server/env";

const secret = "x".repeat(40);

function errorOf(source: Record<string, string>): string {
  try {
    parseEnv(source);
  } catch (error) {
    if (error instanceof EnvError) return error.message;
    throw error;
  }
  throw new Error("expected the configuration to be refused");
}

describe("configuration", () => {
  it("defaults to the embedded database with demo sign-in outside production", () => {
    const env = parseEnv({});
    expect(env).toMatchObject({ databaseKind: "embedded", demo: true, oidcEnabled: false, KEYCARD_DATA_DIR: ".data" });
  });

  it.each([
    [{ DATABASE_URL: "mysql://localhost/x" }, "DATABASE_URL"],
    [{ DATABASE_URL: "not a url" }, "DATABASE_URL"],
    [{ NODE_ENV: "production" }, "AUTH_SECRET"],
    [{ NODE_ENV: "production", AUTH_SECRET: secret, KEYCARD_DEMO: "1" }, "KEYCARD_DEMO"],
    [{ AUTH_OIDC_ISSUER: "ftp://idp" }, "AUTH_OIDC_ISSUER"],
    [{ AUTH_OIDC_ISSUER: "https://idp.example" }, "AUTH_OIDC_CLIENT_ID"],
    [{ AUTH_OIDC_ROLE_MAP: "admins=superuser" }, "AUTH_OIDC_ROLE_MAP"],
    [{ KEYCARD_ENCRYPTION_KEY: "short" }, "KEYCARD_ENCRYPTION_KEY"],
    [{ AUTH_SECRET: "too-short" }, "AUTH_SECRET"],
  ])("refuses %j with one line naming %s", (source, variable) => {
    const message = errorOf(source);
    expect(message.split("\n")[0]).toMatch(new RegExp(`^Invalid configuration: ${variable} `));
  });

  it("refuses demo sign-in in production unless explicitly forced", () => {
    expect(parseEnv({ NODE_ENV: "production", AUTH_SECRET: secret }).demo).toBe(false);
    expect(parseEnv({ NODE_ENV: "production", AUTH_SECRET: secret, KEYCARD_DEMO: "1", KEYCARD_ALLOW_DEMO_IN_PRODUCTION: "1" }).demo).toBe(true);
  });

  it("treats empty variables as unset", () => {
    expect(parseEnv({ DATABASE_URL: "", AUTH_OIDC_ISSUER: "" }).databaseKind).toBe("embedded");
  });
});
