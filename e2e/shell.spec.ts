import { expect, test } from "@playwright/test";
import { expectAccessible, keepScreenshot } from "./support/axe";
import { signInAs } from "./support/sign-in";

const pages = [
  { path: "/", heading: /^Hello, / , area: null },
  { path: "/request", heading: "Request access", area: "Request" },
  { path: "/access", heading: "My access", area: "My access" },
  { path: "/access/tokens", heading: "My API tokens", area: "My access" },
  { path: "/inbox", heading: "Approver inbox", area: "Inbox" },
  { path: "/ledger", heading: "Ledger", area: "Ledger" },
  { path: "/reports", heading: "Reports", area: "Reports" },
  { path: "/admin", heading: "System status", area: "Admin" },
  { path: "/admin/identities", heading: "Identities", area: "Admin" },
  { path: "/admin/groups", heading: "Groups", area: "Admin" },
  { path: "/admin/resources", heading: "Resources", area: "Admin" },
  { path: "/admin/policies", heading: "Policies", area: "Admin" },
  { path: "/admin/tokens", heading: "API tokens", area: "Admin" },
  { path: "/admin/break-glass", heading: "Break-glass reviews", area: "Admin" },
  { path: "/admin/notifications", heading: /Notifications|Notification delivery/, area: "Admin" },
  { path: "/break-glass", heading: "Break-glass", area: "Request" },
  { path: "/notifications", heading: "Notifications", area: null },
] as const;

const personas = [
  { name: "Maya Chen", role: "requester", sees: ["Request", "My access"] },
  { name: "Sam Okafor", role: "approver", sees: ["Request", "My access", "Inbox"] },
  { name: "Jonas Weber", role: "auditor", sees: ["Request", "My access", "Ledger", "Reports"] },
  { name: "Priya Raman", role: "admin", sees: ["Request", "My access", "Inbox", "Ledger", "Reports", "Admin"] },
] as const;

for (const persona of personas) {
  test(`the ${persona.role} sees their areas, and every one renders accessibly`, async ({ page }, testInfo) => {
    // An admin sees some twenty pages, each checked by axe and kept as a screenshot.
    test.setTimeout(180_000);
    await signInAs(page, persona.name);
    await page.goto("/");
    const nav = page.getByRole("navigation", { name: "Main" });
    for (const item of ["Request", "My access", "Inbox", "Ledger", "Reports", "Admin"]) {
      const link = nav.getByRole("link", { name: item, exact: true });
      if ((persona.sees as readonly string[]).includes(item)) await expect(link).toBeVisible();
      else await expect(link).toHaveCount(0);
    }
    for (const target of pages) {
      if (target.area && !(persona.sees as readonly string[]).includes(target.area)) continue;
      await page.goto(target.path);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText(target.heading);
      await expectAccessible(page, testInfo, `${persona.role}${target.path.replaceAll("/", "-")}`);
      await keepScreenshot(page, testInfo, `${persona.role}${target.path === "/" ? "-home" : target.path.replaceAll("/", "-")}`);
    }
  });
}

test("every page fits a phone's width: wide tables scroll inside their card, the page never sideways", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signInAs(page, "Priya Raman");
  for (const target of pages) {
    await page.goto(target.path);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(target.heading);
    const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, screen: document.documentElement.clientWidth }));
    expect(widths.page, `${target.path} is wider than the screen`).toBeLessThanOrEqual(widths.screen);
  }
});

test("a requester who opens an admin page is sent home, and the API refuses them", async ({ page }) => {
  await signInAs(page, "Maya Chen");
  await page.goto("/admin");
  await expect(page).toHaveURL(/\/$/);
  const response = await page.request.get("/api/trpc/system.status");
  expect(response.status()).toBe(403);
});

test("the admin status page shows the embedded database, its migrations and the local scheduler", async ({ page }) => {
  await signInAs(page, "Priya Raman");
  await page.goto("/admin");
  await expect(page.getByText("Embedded PostgreSQL (PGlite)")).toBeVisible();
  await expect(page.getByText("up to date")).toBeVisible();
  await expect(page.getByRole("heading", { name: /Scheduler · local runner/ })).toBeVisible();
  await expect(page.getByRole("cell", { name: "scheduler-heartbeat" })).toBeVisible();
  await expect(page.getByRole("cell", { name: "Demo PostgreSQL" })).toBeVisible();
});

test("dark mode can be switched on and is remembered", async ({ page }, testInfo) => {
  await signInAs(page, "Priya Raman");
  await page.goto("/admin");
  // The icon must paint something: a path whose arcs cancel out draws nothing and leaves an empty button.
  const filledPoints = (name: string) =>
    page.getByRole("button", { name }).locator("path").evaluate((path: SVGPathElement) => {
      let inside = 0;
      for (let x = 0.5; x < 20; x++) for (let y = 0.5; y < 20; y++) if (path.isPointInFill(new DOMPoint(x, y))) inside++;
      return inside;
    });
  expect(await filledPoints("Switch to dark theme")).toBeGreaterThan(40);
  await page.getByRole("button", { name: "Switch to dark theme" }).click();
  await expect(page.locator("html")).toHaveClass(/dark/);
  expect(await filledPoints("Switch to light theme")).toBeGreaterThan(20);
  await page.reload();
  await expect(page.locator("html")).toHaveClass(/dark/);
  await expectAccessible(page, testInfo, "admin-dark");
  await keepScreenshot(page, testInfo, "admin-dark");
});

test("a cross-site form or text/plain post cannot run a mutation, even with a valid session", async ({ page }) => {
  await signInAs(page, "Maya Chen");
  const body = JSON.stringify({ json: { requestId: "00000000-0000-7000-8000-000000000000" } });
  const asForm = await page.request.post("/api/trpc/requests.cancel", { headers: { "content-type": "application/x-www-form-urlencoded" }, data: body });
  expect(asForm.status()).toBe(415);
  const asText = await page.request.post("/api/trpc/requests.cancel", { headers: { "content-type": "text/plain" }, data: body });
  expect(asText.status()).toBe(415);
  const foreign = await page.request.post("/api/trpc/requests.cancel", { headers: { "content-type": "application/json", origin: "https://evil.example" }, data: body });
  expect(foreign.status()).toBe(403);
});
