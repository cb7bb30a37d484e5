import { createHash } from "node:crypto";
import fs from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { expectAccessible, keepScreenshot } from "./support/axe";
import { signInAs } from "./support/sign-in";
import type { ExportManifest } from "../server/ledger/export/manifest";
import { verifyExport } from "../server/ledger/export/offline-verify";
import { defaultOcsfSchemaDir, loadOcsfSchema, validateOcsfEvent } from "../server/ledger/export/ocsf-schema";

/**
 * The auditor's journey: find every grant of one person to one resource in a period, open its timeline,
 * export it as CSV and OCSF (both checked offline against their signed manifests), generate and download
 * an evidence pack, and see the ledger verify. "Last month" with real history is covered by the
 * integration tests (server/domain/ledger/search.test.ts): appends here can only be dated today.
 *
 * The grants come from the test-only fixture route (the server runs with KEYCARD_E2E_FIXTURES=1), so
 * the journey does not depend on other capabilities' screens.
 */

const PERSON = "Maya Chen";
const RESOURCE = "Orders database (production)";

async function addGrantHistory(page: Page, requester: string, resource: string, grants: number) {
  const response = await page.request.post("/api/ledger/e2e-fixtures", { data: { requester, resource, grants, justification: "Quarterly reconciliation of refunds" } });
  expect(response.status(), "the e2e server must run with KEYCARD_E2E_FIXTURES=1 (playwright.config.ts)").toBe(200);
  return (await response.json()) as { created: { grantId: string }[] };
}

function monthToDate(now = new Date()) {
  const day = (date: Date) => date.toISOString().slice(0, 10);
  return { from: day(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1))), to: day(now) };
}

test("an auditor finds a person's grants to a resource, follows one, exports the evidence and sees the ledger verify", async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  await signInAs(page, "Jonas Weber");
  const mine = await addGrantHistory(page, PERSON, "orders-db-prod", 2);
  await addGrantHistory(page, PERSON, "payments-db-prod", 1);
  await addGrantHistory(page, "Noah Williams", "orders-db-prod", 1);

  await page.goto("/ledger");
  await expect(page.getByRole("heading", { name: "Ledger", level: 1 })).toBeVisible();
  await expect(page.getByTestId("ledger-public-key")).toHaveText(/^[A-Za-z0-9+/]{43}=$/);
  await expectAccessible(page, testInfo, "ledger");
  await keepScreenshot(page, testInfo, "ledger");

  // Filters from the keyboard: they land in the URL.
  const period = monthToDate();
  await page.getByLabel("Person involved").selectOption({ label: PERSON });
  await page.getByLabel("Resource", { exact: true }).selectOption({ label: RESOURCE });
  await page.getByLabel("Action", { exact: true }).selectOption({ label: "All grants" });
  await page.getByLabel("From (UTC)").fill(period.from);
  await page.getByLabel("To (UTC, inclusive)").fill(period.to);
  await page.getByLabel("Search text").focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/person=.+&resource=.+&action=access%2Fgrant\.\*/);
  const rows = page.getByRole("table", { name: "Ledger events matching the search" }).locator("tbody tr");
  await expect(rows).toHaveCount(4); // two grants, each activated and released
  await expect(rows.filter({ hasText: "Noah Williams" })).toHaveCount(0);
  await expect(page.getByTestId("ledger-count")).toContainText("4 events match");
  await keepScreenshot(page, testInfo, "ledger-search");

  // The event drawer shows the hash and the neighbours, and closes with Escape.
  await rows.first().getByRole("link", { name: /details/ }).click();
  const drawer = page.getByRole("complementary", { name: /Event #\d+/ });
  await expect(drawer).toBeVisible();
  await expect(drawer.getByText("the hash matches the event's content")).toBeVisible();
  await expectAccessible(page, testInfo, "ledger-drawer");
  await page.keyboard.press("Escape");
  await expect(drawer).toBeHidden();

  // The grant's timeline, from request to release.
  await rows.first().getByRole("link", { name: "Timeline" }).click();
  await expect(page.getByRole("heading", { name: "Grant timeline" })).toBeVisible();
  const steps = page.getByRole("list", { name: "Events in order" }).locator(":scope > li");
  await expect(steps).toHaveCount(5);
  await expect(steps.first()).toContainText("Request created");
  await expect(steps.last()).toContainText("Grant released");
  await expect(page.getByText("Approved for the audit journey").first()).toBeVisible();
  expect(mine.created.map((c) => c.grantId)).toContain(new URL(page.url()).searchParams.get("grant"));
  await expectAccessible(page, testInfo, "ledger-timeline");
  await keepScreenshot(page, testInfo, "ledger-timeline");
  await page.goBack();
  await expect(rows).toHaveCount(4);

  // Export the search as CSV and as OCSF; each file checks out offline against its signed manifest.
  for (const format of ["CSV", "OCSF 1.8 (JSON Lines)"] as const) {
    await page.getByLabel("Export format").selectOption({ label: format });
    const downloading = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export", exact: true }).click();
    const download = await downloading;
    await expect(page.getByRole("status").filter({ hasText: "Exported 4 rows" })).toBeVisible();
    const file = fs.readFileSync((await download.path())!);
    const manifestHref = await page.getByRole("link", { name: "Signed manifest" }).getAttribute("href");
    const manifest = (await (await page.request.get(manifestHref!)).json()) as ExportManifest;
    expect(manifest).toMatchObject({ rows: 4, sha256: createHash("sha256").update(file).digest("hex") });
    // The page reports the manifest's count and digest, not its own line count.
    await expect(page.getByRole("status").filter({ hasText: "Exported 4 rows" })).toContainText(`SHA-256 ${manifest.sha256.slice(0, 12)}`);
    const schema = loadOcsfSchema(defaultOcsfSchemaDir());
    const verified = await verifyExport(file, manifest, { ocsfSchema: format === "CSV" ? undefined : schema });
    expect(verified.checks.filter((c) => !c.ok)).toEqual([]);
    if (format !== "CSV") {
      const events = file.toString("utf8").trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(events.map((e) => e.class_uid)).toEqual([3005, 3005, 3005, 3005]);
      for (const event of events) expect(validateOcsfEvent(schema, event)).toEqual([]);
    }
  }

  // An evidence pack for the month: generated by the job, then downloaded.
  await page.getByLabel("Period from").fill(period.from);
  await page.getByLabel("to (inclusive)").fill(period.to);
  await page.getByRole("button", { name: "Generate evidence pack" }).click();
  const packs = page.getByRole("table", { name: "Evidence packs" });
  await expect(packs.getByRole("link", { name: "Download zip" }).first()).toBeVisible({ timeout: 60_000 });
  await expect(packs.locator("tbody tr").first()).toContainText("ledger verified");
  await keepScreenshot(page, testInfo, "ledger-evidence");
  const packDownload = page.waitForEvent("download");
  await packs.getByRole("link", { name: "Download zip" }).first().click();
  const zip = fs.readFileSync((await (await packDownload).path())!);
  expect(zip.subarray(0, 2).toString()).toBe("PK");

  // Verification, on demand.
  await page.getByRole("button", { name: "Verify now" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Verification passed" })).toBeVisible({ timeout: 30_000 });
  await expectAccessible(page, testInfo, "ledger-after-export");
});

test("bad search input gets a specific message, never a server error", async ({ page }) => {
  await signInAs(page, "Jonas Weber");
  const cases: [string, RegExp][] = [
    ["/ledger?limit=1e6", /page size is at most 200/],
    ["/ledger?from=2026-05-01&to=2026-04-01", /ends before it starts/],
    ["/ledger?cursor=forged.cursor", /page link is not valid/],
    [`/ledger?q=${"a".repeat(10_000)}`, /limited to 500 characters/],
    ["/ledger?from=2026-02-30", /does not exist/],
  ];
  for (const [url, message] of cases) {
    await page.goto(url);
    await expect(page.getByRole("alert").filter({ hasText: message })).toBeVisible();
  }
  for (const q of ["% _ \\ & | ! ( ) : *", "a", "\u202Egnp.exe", "x\u0000y"]) {
    await page.goto(`/ledger?q=${encodeURIComponent(q)}`);
    await expect(page.getByRole("heading", { name: "Ledger", level: 1 })).toBeVisible();
    await expect(page.getByRole("alert").filter({ hasText: /failed|error/i })).toHaveCount(0);
  }
  const exportResponse = await page.request.get("/api/ledger/export?format=csv&from=2026-05-01&to=2026-04-01");
  expect(exportResponse.status()).toBe(400);
  expect(((await exportResponse.json()) as { error: { message: string } }).error.message).toMatch(/ends before it starts/);
  const empty = await page.request.get("/api/ledger/export?format=jsonl&from=1999-01-01&to=1999-01-02");
  expect(empty.status()).toBe(200);
  expect(await empty.text()).toBe("");
});

test("people without ledger access cannot export", async ({ page }) => {
  await signInAs(page, "Maya Chen");
  expect((await page.request.get("/api/ledger/export?format=csv")).status()).toBe(403);
  await page.goto("/ledger");
  await expect(page).not.toHaveURL(/\/ledger/);
});
