import { expect, test } from "@playwright/test";
import { expectAccessible, keepScreenshot } from "./support/axe";
import { signInAs } from "./support/sign-in";

test("an admin sets up a machine identity with its token, and an approver group with a member and an on-call shift", async ({ page }, testInfo) => {
  await signInAs(page, "Priya Raman");

  await page.goto("/admin/identities");
  await page.getByLabel("Name", { exact: true }).fill("invoice-exporter");
  await page.getByLabel("Owner").selectOption({ label: "Sam Okafor" });
  await page.getByLabel("What it does").fill("Exports invoices to the data lake every night");
  await page.getByRole("button", { name: "Create machine identity" }).click();
  await expect(page.getByRole("status").filter({ hasText: "invoice-exporter created" })).toBeVisible();
  await expect(page.getByText("owned by Sam Okafor").first()).toBeVisible();

  // Tomás García's derived login mangles the accent: the admin gives him his real one.
  const tomas = page.getByRole("row").filter({ hasText: "Tomás García" });
  await expect(tomas.getByText("tom_s_garc_a")).toBeVisible();
  await tomas.getByRole("button", { name: "Change Tomás García's login in targets" }).click();
  await tomas.getByLabel("Tomás García's login in targets").fill("Tomas");
  await tomas.getByRole("button", { name: "Save" }).click();
  await expect(tomas.getByRole("alert")).toContainText("lower-case letters");
  await tomas.getByLabel("Tomás García's login in targets").fill("tomas_garcia");
  await tomas.getByRole("button", { name: "Save" }).click();
  await expect(tomas.getByText("set by an admin")).toBeVisible();
  // The keyboard is back where it was: Enter reopens the form, Escape closes it unchanged.
  await expect(tomas.getByRole("button", { name: "Change Tomás García's login in targets" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(tomas.getByLabel("Tomás García's login in targets")).toHaveValue("tomas_garcia");
  await page.keyboard.press("Escape");
  await expect(tomas.getByText("tomas_garcia")).toBeVisible();
  await expectAccessible(page, testInfo, "admin-identities");

  await page.getByRole("link", { name: "Issue its API token" }).click();
  await page.getByLabel("Identity", { exact: true }).selectOption({ label: "invoice-exporter (machine)" });
  await page.getByLabel("Name", { exact: true }).fill("nightly export");
  await page.getByRole("button", { name: "Create token" }).click();
  await expect(page.getByTestId("new-token")).toHaveText(/^kc_/);

  await page.goto("/admin/groups");
  await page.getByLabel("Name", { exact: true }).fill("Finance approvers");
  await expect(page.getByLabel("Slug")).toHaveValue("finance-approvers");
  await page.getByLabel("Kind").selectOption({ label: "Team (leads, on-call)" });
  await page.getByRole("button", { name: "Create group" }).click();
  await expect(page.getByRole("heading", { name: "Finance approvers" })).toBeVisible();
  await page.getByLabel("Add a member").selectOption({ label: "Oliver Smith" });
  await page.getByLabel("Team lead").check();
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await expect(page.getByRole("table", { name: "Members of Finance approvers" }).getByText("Oliver Smith")).toBeVisible();

  await page.getByLabel("Who").selectOption({ label: "Oliver Smith" });
  await page.getByLabel(/^From/).fill("2026-01-01T09:00");
  await page.getByLabel("Until").fill("2099-01-01T09:00");
  await page.getByRole("button", { name: "Add shift" }).click();
  // Longer than a month: refused with the reason, nothing added.
  await expect(page.getByRole("alert").filter({ hasText: "A shift lasts at most 31 days" })).toBeVisible();
  const now = new Date();
  const local = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  await page.getByLabel(/^From/).fill(local(new Date(now.getTime() - 3_600_000)));
  await page.getByLabel("Until").fill(local(new Date(now.getTime() + 7 * 24 * 3_600_000)));
  await page.getByRole("button", { name: "Add shift" }).click();
  await expect(page.getByRole("table", { name: "On-call shifts of Finance approvers" }).getByText("on call")).toBeVisible();
  await expectAccessible(page, testInfo, "admin-group");
  await keepScreenshot(page, testInfo, "admin-group");
});
