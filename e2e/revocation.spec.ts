import { randomBytes } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import pg from "pg";
import { expectAccessible, keepScreenshot } from "./support/axe";
import { signInAs } from "./support/sign-in";

/**
 * The central promise against a real PostgreSQL server (127.0.0.1:5432, not the embedded demo target,
 * which cannot end sessions): an admin points the demo connector at it through the connectors page, a
 * person gets write access to a resource behind it, writes through a real connection with the one-time
 * credential, and when the grant ends the same connection is cut and a new one is refused — with every
 * step on the grant page, from the ledger.
 */

const server = { host: "127.0.0.1", port: 5432, user: "postgres" };
const database = `kce2e_${randomBytes(4).toString("hex")}`;
// The seeded "Orders database (staging)" resource hands out membership in this role.
const role = "orders_write";
let createdRole = false;

async function asSuperuser<T>(db: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ ...server, database: db });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

test.beforeAll(async () => {
  await asSuperuser("postgres", async (client) => {
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
    const exists = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role]);
    if (!exists.rowCount) {
      await client.query(`CREATE ROLE ${pg.escapeIdentifier(role)} NOLOGIN`);
      createdRole = true;
    }
  });
  await asSuperuser(database, async (client) => {
    await client.query("CREATE TABLE orders (id serial PRIMARY KEY, customer text NOT NULL, total_cents int NOT NULL)");
    await client.query(`GRANT SELECT, INSERT ON orders TO ${pg.escapeIdentifier(role)}`);
    await client.query(`GRANT USAGE ON SEQUENCE orders_id_seq TO ${pg.escapeIdentifier(role)}`);
  });
});

test.afterAll(async () => {
  await asSuperuser("postgres", async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
    // Anything of Keycard's still holding the role (there should be nothing), then the role if it is ours.
    const { rows } = await client.query<{ rolname: string }>(
      `SELECT m.rolname FROM pg_auth_members am JOIN pg_roles r ON r.oid = am.roleid JOIN pg_roles m ON m.oid = am.member WHERE r.rolname = $1 AND m.rolname LIKE 'kc\\_%'`,
      [role],
    );
    for (const { rolname } of rows) await client.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(rolname)}`);
    if (createdRole) await client.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(role)}`);
  });
});

async function stepLabels(page: Page): Promise<string[]> {
  return page.locator("ol li p.font-medium").allInnerTexts();
}

test("write access to a real PostgreSQL ends on time: the live session is cut, a new login is refused, and the ledger shows each step", async ({ page, browser }, testInfo) => {
  test.setTimeout(240_000);

  // 1. An admin points the demo connector at the real server, tests it and saves it.
  const adminContext = await browser.newContext({ baseURL: testInfo.project.use.baseURL });
  const admin = await adminContext.newPage();
  await signInAs(admin, "Priya Raman");
  await admin.goto("/admin/connectors");
  await expect(admin.getByRole("heading", { name: "Connectors" })).toBeVisible();
  await admin.getByRole("link", { name: "Edit Demo PostgreSQL" }).click();
  await admin.getByLabel("Host", { exact: true }).fill(server.host);
  await admin.getByLabel("Port", { exact: true }).fill(String(server.port));
  await admin.getByLabel("Database", { exact: true }).fill(`${database}"; DROP TABLE orders; --`);
  await admin.getByRole("button", { name: "Save changes" }).click();
  // A quote in an identifier is refused on the field, before anything reaches the server.
  await expect(admin.getByText(/contains a quote/).first()).toBeVisible();
  await keepScreenshot(admin, testInfo, "connector-refused");
  await admin.getByLabel("Database", { exact: true }).fill(database);
  await admin.getByLabel("Connector login", { exact: true }).fill("postgres");
  await admin.getByRole("button", { name: "Test connection" }).click();
  const result = admin.getByTestId("connection-result");
  await expect(result).toContainText("Connected.");
  await expect(result).toContainText(`Orders database (staging) · Write: role "${role}" exists`);
  await expectAccessible(admin, testInfo, "connector-edit");
  await keepScreenshot(admin, testInfo, "connector-edit");
  await admin.getByRole("button", { name: "Save changes" }).click();
  await expect(admin).toHaveURL(/\/admin\/connectors$/);
  await admin.getByRole("button", { name: "Test connection: Demo PostgreSQL" }).click();
  await expect(admin.getByTestId("connection-result")).toContainText("Connected.");
  // Healthy, or degraded where a demo level names a role this server lacks: checked either way.
  await expect(admin.getByTestId("health-demo-postgres")).toHaveText(/healthy|degraded/);

  // 2. A person asks for write access for one minute; the first write is reviewed by an owner.
  await signInAs(page, "Noah Williams");
  await page.goto("/request");
  await page.getByLabel("Find a resource").fill("Orders");
  await page.getByRole("radio", { name: /Orders database \(staging\)/ }).check({ force: true });
  await page.getByRole("radio", { name: /^Write/ }).check({ force: true });
  await page.getByLabel("Custom (minutes)").fill("1");
  await page.getByLabel("Justification").fill("Backfill two staging orders for the refund test");
  const submit = page.getByRole("button", { name: /Submit request|Get access/ });
  await submit.click();
  // The form moves to the request's page once the request exists: read its id from there, not from the form.
  await expect(page).toHaveURL(/\/access\/requests\/[0-9a-f-]+$/);
  const requestUrl = page.url();
  if ((await page.getByTestId("request-status").textContent()) === "pending") {
    const approverContext = await browser.newContext({ baseURL: testInfo.project.use.baseURL });
    const approver = await approverContext.newPage();
    await signInAs(approver, "Kenji Watanabe");
    await approver.goto(`/inbox?request=${requestUrl.split("/").pop()}`);
    await approver.getByRole("button", { name: "Approve", exact: true }).click();
    await expect(approver.getByRole("status").filter({ hasText: /recorded|Approved/ })).toBeVisible();
    await approverContext.close();
    await page.reload();
  }
  await expect(page.getByTestId("request-status")).toHaveText("approved");
  await page.getByRole("link", { name: "View grant" }).click();
  await expect(page.getByTestId("grant-status")).toHaveText("active", { timeout: 30_000 });
  const grantUrl = page.url();

  // 3. The one-time credential works: a real connection as that login writes.
  await page.getByRole("button", { name: "Show credentials (once)" }).click();
  const username = (await page.getByTestId("credential-username").textContent())!;
  const password = (await page.getByTestId("credential-password").textContent())!;
  expect(username).toMatch(/^kc_[0-9a-f]{32}$/);
  const session = new pg.Client({ ...server, user: username, password, database });
  let sessionError: Error | null = null;
  session.on("error", (error) => (sessionError = error));
  await session.connect();
  await session.query("INSERT INTO orders (customer, total_cents) VALUES ('refund test', 4200)");
  expect((await session.query("SELECT count(*)::int AS n FROM orders")).rows[0].n).toBe(1);
  await keepScreenshot(page, testInfo, "grant-active");

  // 4. The grant ends (its timer, by the database clock): the same connection is cut…
  await expect
    .poll(async () => {
      await page.reload();
      return page.getByTestId("grant-status").textContent();
    }, { timeout: 120_000, intervals: [2_000] })
    .toBe("revoked");
  await expect.poll(() => session.query("SELECT 1").then(() => "alive", () => "cut"), { timeout: 10_000 }).toBe("cut");
  expect(sessionError).not.toBeNull();
  await session.end().catch(() => undefined);
  // …and a new one is refused: the login no longer exists.
  const again = new pg.Client({ ...server, user: username, password, database });
  again.on("error", () => undefined);
  await expect(again.connect()).rejects.toThrow(/does not exist|not permitted/);
  // Nothing of it is left in the target.
  const left = await asSuperuser("postgres", (client) => client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [username]));
  expect(left.rowCount).toBe(0);

  // 5. The grant page shows each step from the ledger, and how long after the end access was removed.
  await page.goto(grantUrl);
  const steps = await stepLabels(page);
  for (const label of ["Requested", "Approved", "Scheduled", "Provisioned and verified", "Credentials viewed", "Revoked in the target"]) {
    expect(steps.some((s) => s.startsWith(label)), `step ${label} in ${steps.join(" | ")}`).toBe(true);
  }
  expect(steps.filter((s) => s.startsWith("Revoked in the target"))).toHaveLength(1);
  await expect(page.getByText(/removed from Noah Williams \(expired; 1 live session ended\)/)).toBeVisible();
  await expect(page.getByText(/expired, \d+\.\d s after the end/)).toBeVisible();
  await expectAccessible(page, testInfo, "grant-revoked");
  await keepScreenshot(page, testInfo, "grant-revoked");

  // 6. The connectors page: health from the last check, and nothing failing.
  await admin.goto("/admin/connectors");
  await expect(admin.getByRole("heading", { name: "Connectors" })).toBeVisible();
  await expectAccessible(admin, testInfo, "connectors");
  await keepScreenshot(admin, testInfo, "connectors");
  await adminContext.close();
});
