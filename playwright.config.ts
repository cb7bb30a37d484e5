import { defineConfig, devices } from "@playwright/test";

/**
 * The end-to-end suite runs a production build (`next build` first; scripts/test.sh does it) on the
 * embedded default with a fresh data folder, demo sign-in explicitly allowed, and single sign-on against
 * a real OpenID Provider started locally (e2e/support/oidc-server.ts).
 */
const PORT = Number(process.env.E2E_PORT ?? 3100);
const OIDC_PORT = Number(process.env.E2E_OIDC_PORT ?? 9931);
export const baseURL = `http://127.0.0.1:${PORT}`;
const dataDir = process.env.E2E_DATA_DIR ?? ".data-e2e";

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.KEYCARD_CHROMIUM ?? "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"], channel: undefined } }],
  webServer: [
    {
      command: "npx tsx e2e/support/oidc-server.ts",
      url: `http://127.0.0.1:${OIDC_PORT}/health`,
      env: {
        OIDC_PORT: String(OIDC_PORT),
        OIDC_REDIRECT_URIS: `http://127.0.0.1:${PORT}/api/auth/callback/oidc,http://localhost:${PORT}/api/auth/callback/oidc`,
      },
      reuseExistingServer: false,
      timeout: 30_000,
    },
    {
      // A fresh embedded database each run, seeded before the server (one process owns the folder).
      command: `rm -rf ${dataDir} && npx tsx prisma/seed.ts && npx next start -p ${PORT}`,
      url: `${baseURL}/api/health`,
      env: {
        KEYCARD_DATA_DIR: dataDir,
        DATABASE_URL: "",
        AUTH_SECRET: "e2e-secret-e2e-secret-e2e-secret-e2e",
        AUTH_TRUST_HOST: "true",
        AUTH_URL: baseURL,
        KEYCARD_DEMO: "1",
        KEYCARD_ALLOW_DEMO_IN_PRODUCTION: "1",
        KEYCARD_DEMO_TARGET_PORT: process.env.E2E_DEMO_TARGET_PORT ?? "54339",
        // Test-only route that creates finished grant histories for the ledger journey (embedded database only).
        KEYCARD_E2E_FIXTURES: "1",
        KEYCARD_SCHEDULER: "local",
        AUTH_OIDC_ISSUER: `http://127.0.0.1:${OIDC_PORT}`,
        AUTH_OIDC_CLIENT_ID: "keycard-e2e",
        AUTH_OIDC_CLIENT_SECRET: "keycard-e2e-secret",
        AUTH_OIDC_NAME: "Test IdP",
        AUTH_OIDC_ROLE_MAP: "kc-admins=admin,kc-auditors=auditor,kc-approvers=approver",
      },
      reuseExistingServer: false,
      timeout: 120_000,
    },
  ],
});
