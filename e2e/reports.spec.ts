import { randomBytes } from "node:crypto";
import { expect, test, type APIRequestContext, type Locator, type Page } from "@playwright/test";
import pg from "pg";
import { createClient } from "redis";
import { expectAccessible, keepScreenshot } from "./support/axe";
import { signInAs } from "./support/sign-in";

/**
 * The admin's standing-privilege journey against the real local PostgreSQL (the seed's "Local PostgreSQL"
 * connector) and Redis ("Local Redis"): privileges made by hand appear in the next report with the last
 * use the targets showed; converting one to JIT removes it from the target and makes it requestable;
 * marking one baseline keeps it out of the recommendations. Then the dashboard's figures are checked
 * against the ledger searches they link to.
 */

const suffix = randomBytes(3).toString("hex");
const names = {
  role: `kce_${suffix}_orders`,
  used: `kce_${suffix}_app`,
  idle: `kce_${suffix}_idle`,
  redisUsed: `kce_${suffix}_cache`,
  redisIdle: `kce_${suffix}_stale`,
  keys: `kce:${suffix}`,
};
const id = pg.escapeIdentifier;
const today = () => new Date().toISOString().slice(0, 10);

let pgSession: pg.Client | null = null;

async function pgAdmin(): Promise<pg.Client> {
  const client = new pg.Client({ host: "127.0.0.1", port: 5432, user: "postgres", database: "postgres" });
  await client.connect();
  return client;
}

function redisClient(options: { username?: string; password?: string } = {}) {
  const client = createClient({ socket: { host: "127.0.0.1", port: 6379, reconnectStrategy: false }, disableOfflineQueue: true, ...options });
  client.on("error", () => undefined);
  return client;
}

let redisSession: ReturnType<typeof redisClient> | null = null;

test.beforeAll(async () => {
  const admin = await pgAdmin();
  await admin.query(`CREATE ROLE ${id(names.role)} NOLOGIN`);
  await admin.query(`CREATE ROLE ${id(names.used)} LOGIN`);
  await admin.query(`CREATE ROLE ${id(names.idle)} LOGIN`);
  await admin.query(`GRANT ${id(names.role)} TO ${id(names.used)}, ${id(names.idle)}`);
  await admin.end();
  const redis = redisClient();
  await redis.connect();
  await redis.sendCommand(["ACL", "SETUSER", names.redisUsed, "on", ">e2e-cache-secret", "resetkeys", `~${names.keys}:*`, "-@all", "+@read"]);
  await redis.sendCommand(["ACL", "SETUSER", names.redisIdle, "on", ">e2e-stale-secret", "resetkeys", `~${names.keys}:*`, "-@all", "+@read", "+@write"]);
  redis.destroy();
  // Someone uses two of them right now (usage sampling sees live sessions).
  pgSession = new pg.Client({ host: "127.0.0.1", port: 5432, user: names.used, database: "postgres" });
  await pgSession.connect();
  await pgSession.query("SELECT 1");
  const session = redisClient({ username: names.redisUsed, password: "e2e-cache-secret" });
  await session.connect();
  await session.get(`${names.keys}:session`);
  redisSession = session;
});

test.afterAll(async () => {
  await pgSession?.end().catch(() => undefined);
  redisSession?.destroy();
  const admin = await pgAdmin();
  for (const role of [names.used, names.idle, names.role]) await admin.query(`DROP ROLE IF EXISTS ${id(role)}`).catch(() => undefined);
  // Keycard's per-grant roles of anything the journey requested (none expected), then ours.
  await admin.end();
  const redis = redisClient();
  await redis.connect();
  await redis.sendCommand(["ACL", "DELUSER", names.redisUsed, names.redisIdle]);
  redis.destroy();
});

function row(page: Page, principal: string, privilege: string | RegExp): Locator {
  if (typeof privilege === "string") return page.locator(`[data-testid="standing-row"][data-principal="${principal}"][data-privilege="${privilege}"]`);
  return page.locator(`[data-testid="standing-row"][data-principal="${principal}"]`).filter({ has: page.getByTestId("row-privilege").filter({ hasText: privilege }) });
}

/** Asks for a new report and waits until the page shows it (discovery reads every target). */
async function refreshReport(page: Page) {
  await page.goto("/reports/standing");
  await page.getByTestId("refresh-report").click();
  await expect(page.getByRole("status").filter({ hasText: "The new report is ready." })).toBeVisible({ timeout: 150_000 });
}

async function trpcQuery<T>(request: APIRequestContext, path: string, input: unknown): Promise<T> {
  const response = await request.get(`/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`);
  expect(response.ok(), `${path}: ${await response.text()}`).toBeTruthy();
  return ((await response.json()) as { result: { data: { json: T } } }).result.data.json;
}

/** The ledger filters of a dashboard link, as the ledger search takes them. */
function filtersOf(href: string): Record<string, unknown> {
  const params = new URL(href, "http://keycard.test").searchParams;
  const filters: Record<string, unknown> = {};
  for (const key of ["actor", "resource", "outcome", "from", "to", "q"]) {
    const value = params.get(key);
    if (value) filters[key] = value;
  }
  const actions = params.getAll("action");
  if (actions.length) filters.action = actions;
  return filters;
}

test("an admin finds hand-made standing privileges with their last use, converts one to JIT and keeps one as baseline", async ({ page, browser }, testInfo) => {
  test.setTimeout(420_000);
  await signInAs(page, "Priya Raman");
  await refreshReport(page);
  await page.goto(`/reports/standing?q=${encodeURIComponent(`kce_${suffix}`)}`);

  // The PostgreSQL memberships and Redis users made by hand, with what the targets showed of their use.
  const used = row(page, names.used, names.role);
  const idle = row(page, names.idle, names.role);
  const redisUsed = row(page, names.redisUsed, new RegExp(`~${names.keys}:\\*`));
  const redisIdle = row(page, names.redisIdle, new RegExp(`~${names.keys}:\\*`));
  await expect(used).toHaveCount(1);
  await expect(used.getByTestId("row-last-used")).toContainText(today());
  await expect(used.getByTestId("row-days-idle")).toHaveText("0");
  await expect(idle.getByTestId("row-last-used")).toContainText("never seen");
  await expect(idle.getByTestId("row-recommendation")).toHaveText("Remove and make requestable");
  await expect(redisUsed.getByTestId("row-last-used")).toContainText(today());
  await expect(redisIdle.getByTestId("row-last-used")).toContainText("never seen");
  await expect(page.getByTestId("target").filter({ hasText: "Local PostgreSQL" })).toContainText("healthy");
  await expectAccessible(page, testInfo, "standing-report");
  await keepScreenshot(page, testInfo, "standing-report");

  // Keep the one in use as a baseline, with a reason and a review date.
  await used.getByRole("button", { name: /^Mark baseline/ }).click();
  await used.getByLabel("Why is it legitimately standing?").fill("The order export service logs in with it every night.");
  await used.getByRole("button", { name: "Keep as baseline" }).click();
  await expect(used.getByTestId("action-done")).toContainText("Marked baseline until");

  // Convert the idle membership: REVOKE in PostgreSQL, and the same role becomes requestable.
  await idle.getByRole("button", { name: /^Convert to JIT/ }).click();
  await expect(idle.getByText(`REVOKE "${names.role}" FROM "${names.idle}"`)).toBeVisible();
  await keepScreenshot(page, testInfo, "convert-confirm");
  await idle.getByRole("button", { name: "Remove it and make it requestable" }).click();
  await expect(idle.getByTestId("action-done")).toContainText(`requestable as ${names.role} on Local PostgreSQL`);
  const admin = await pgAdmin();
  const membership = await admin.query(
    `SELECT 1 FROM pg_auth_members am JOIN pg_roles r ON r.oid = am.roleid JOIN pg_roles m ON m.oid = am.member WHERE m.rolname = $1 AND r.rolname = $2`,
    [names.idle, names.role],
  );
  await admin.end();
  expect(membership.rowCount).toBe(0);

  // Convert the idle Redis user: deleted from Redis, requestable with the same rules.
  await redisIdle.getByRole("button", { name: /^Convert to JIT/ }).click();
  await redisIdle.getByRole("button", { name: "Remove it and make it requestable" }).click();
  await expect(redisIdle.getByTestId("action-done")).toContainText("Removed from the target");
  const redis = redisClient();
  await redis.connect();
  expect(await redis.sendCommand(["ACL", "GETUSER", names.redisIdle])).toBeNull();
  redis.destroy();

  // The next report: the converted ones are gone, the baseline is kept out of the recommendations.
  await refreshReport(page);
  await page.goto(`/reports/standing?q=${encodeURIComponent(`kce_${suffix}`)}`);
  await expect(used).toHaveCount(1);
  await expect(used.getByTestId("row-recommendation")).toHaveText("Keep as baseline");
  await expect(used).toContainText("review by");
  await expect(idle).toHaveCount(0);
  await expect(redisIdle).toHaveCount(0);
  await page.goto(`/reports/standing?q=${encodeURIComponent(`kce_${suffix}`)}&recommendation=action`);
  await expect(used).toHaveCount(0);
  await expect(redisUsed).toHaveCount(1);
  await keepScreenshot(page, testInfo, "standing-report-after");

  // The CSV export of the same view.
  const csv = await page.request.get(`/reports/standing/export?q=${encodeURIComponent(`kce_${suffix}`)}`);
  expect(csv.status()).toBe(200);
  expect(csv.headers()["content-type"]).toContain("text/csv");
  const text = await csv.text();
  expect(text.split("\r\n")[0]).toMatch(/^rank,risk,status,recommendation,reason,holder/);
  const lines = text.split("\r\n");
  expect(lines.some((line) => line.includes(`,${names.used},${names.role},ROLE_MEMBERSHIP,`))).toBe(true);
  // The converted membership is gone from the report (its bare login stays, for review).
  expect(lines.some((line) => line.includes(`,${names.idle},${names.role},ROLE_MEMBERSHIP,`))).toBe(false);

  // Requestable now: a person finds it in the request form.
  const context = await browser.newContext({ baseURL: testInfo.project.use.baseURL });
  const requester = await context.newPage();
  await signInAs(requester, "Fatima Khan");
  await requester.goto("/request");
  await requester.getByLabel("Find a resource").fill(names.role);
  await expect(requester.getByRole("radio", { name: new RegExp(`Local PostgreSQL: ${names.role}`) })).toBeVisible();
  await context.close();

  // An auditor reads the report but has no actions.
  const auditorContext = await browser.newContext({ baseURL: testInfo.project.use.baseURL });
  const auditor = await auditorContext.newPage();
  await signInAs(auditor, "Jonas Weber");
  await auditor.goto(`/reports/standing?q=${encodeURIComponent(`kce_${suffix}`)}`);
  await expect(row(auditor, names.used, names.role)).toHaveCount(1);
  await expect(auditor.getByRole("button", { name: /Convert to JIT|Mark baseline|Refresh now/ })).toHaveCount(0);
  await auditorContext.close();
});

test("the dashboard's figures match the ledger searches they link to", async ({ page, browser }, testInfo) => {
  test.setTimeout(180_000);
  // Some activity: an automatically approved request that is provisioned.
  const context = await browser.newContext({ baseURL: testInfo.project.use.baseURL });
  const requester = await context.newPage();
  await signInAs(requester, "Fatima Khan");
  await requester.goto("/request");
  await requester.getByLabel("Find a resource").fill("Analytics");
  await requester.getByRole("radio", { name: /Analytics warehouse/ }).check({ force: true });
  await requester.getByRole("radio", { name: /^Read/ }).check({ force: true });
  await requester.getByLabel("Custom (minutes)").fill("30");
  await requester.getByLabel("Justification").fill("Weekly retention numbers for the dashboard check");
  await requester.getByRole("button", { name: "Get access" }).click();
  await expect(requester.getByTestId("request-status")).toHaveText("approved");
  await context.close();

  await signInAs(page, "Priya Raman");
  await page.goto("/reports?days=7&fresh=1");
  await expect(page.getByRole("heading", { name: "Reports", level: 1 })).toBeVisible();
  await expect(page.getByRole("img", { name: /How decided requests ended/ })).toBeVisible();
  await expectAccessible(page, testInfo, "reports-dashboard");
  await keepScreenshot(page, testInfo, "reports-dashboard");

  const figures = ["metric-requests", "metric-auto-approved", "metric-approved", "metric-denied", "metric-expired", "metric-break-glass", "metric-converted"];
  for (const testId of figures) {
    const value = Number((await page.getByTestId(testId).innerText()).replace(/[^0-9]/g, ""));
    const href = await page.getByTestId(`${testId}-link`).getAttribute("href");
    expect(href, testId).toMatch(/^\/ledger\?/);
    const counted = await trpcQuery<{ count: number; exact: boolean }>(page.request, "ledger.count", filtersOf(href ?? ""));
    expect(counted.count, `${testId} = ${value}, the ledger search behind it finds ${counted.count}`).toBe(value);
  }
  expect(Number(await page.getByTestId("metric-auto-approved").innerText())).toBeGreaterThanOrEqual(1);

  // And a link opens the ledger on exactly those events.
  const approved = Number(await page.getByTestId("metric-approved").innerText());
  await page.getByTestId("metric-approved-link").click();
  await expect(page).toHaveURL(/\/ledger\?action=access%2Frequest\.approved/);
  await expect(page.getByTestId("ledger-count")).toContainText(`${approved} event`);
});
