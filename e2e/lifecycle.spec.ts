import { expect, test, type Page } from "@playwright/test";
import { expectAccessible, keepScreenshot } from "./support/axe";
import { signInAs } from "./support/sign-in";

/** Fills the request form for one resource and access level. */
async function fillRequest(page: Page, options: { resource: string; level: string; minutes?: number; justification: string; ticket?: string }) {
  await page.goto("/request");
  await page.getByLabel("Find a resource").fill(options.resource.split(" ")[0]!);
  await page.getByRole("radio", { name: new RegExp(options.resource) }).check({ force: true });
  await page.getByRole("radio", { name: new RegExp(`^${options.level}`) }).check({ force: true });
  if (options.minutes) await page.getByLabel("Custom (minutes)").fill(String(options.minutes));
  await page.getByLabel("Justification").fill(options.justification);
  if (options.ticket) await page.getByLabel(/^Ticket/).fill(options.ticket);
}

test("a requester gets tier-3 read access automatically, sees its credentials once, and releases it early", async ({ page }, testInfo) => {
  await signInAs(page, "Fatima Khan");
  await fillRequest(page, { resource: "Analytics warehouse", level: "Read", minutes: 30, justification: "Weekly retention numbers for the board" });
  await expect(page.getByTestId("policy-outcome")).toHaveText("Approved automatically");
  await expectAccessible(page, testInfo, "request-form");
  await keepScreenshot(page, testInfo, "request-form-auto");
  await page.getByRole("button", { name: "Get access" }).click();

  await expect(page.getByTestId("request-status")).toHaveText("approved");
  await page.getByRole("link", { name: "View grant" }).click();
  // Provisioned for real in the embedded PostgreSQL target by the in-process scheduler.
  await expect(page.getByTestId("grant-status")).toHaveText("active", { timeout: 20_000 });
  await page.getByRole("button", { name: "Show credentials (once)" }).click();
  await expect(page.getByTestId("credential-username")).toHaveText(/^kc_/);
  await expect(page.getByTestId("credential-password")).not.toBeEmpty();
  await keepScreenshot(page, testInfo, "grant-credentials");
  await page.reload();
  await expect(page.getByText(/shown .* no longer stored/)).toBeVisible();
  await expectAccessible(page, testInfo, "grant-detail");

  await page.getByRole("button", { name: "Release now" }).click();
  await page.getByRole("button", { name: "Yes, I’m done" }).click();
  await expect(page.getByTestId("grant-status")).toHaveText("revoked", { timeout: 20_000 });
  await expect(page.getByText("Revoked in the target")).toBeVisible();
});

test("a tier-1 write request goes to two distinct owners and is approved", async ({ page, browser }, testInfo) => {
  await signInAs(page, "Maya Chen");
  await fillRequest(page, { resource: "Orders database \\(production\\)", level: "Write", minutes: 60, justification: "Correct the totals of order 1042 after the refund bug", ticket: "INC-1042" });
  await expect(page.getByTestId("policy-outcome")).toHaveText("Needs approval");
  await expect(page.getByText(/Owners: 2 of/)).toBeVisible();
  await page.getByRole("button", { name: "Submit request" }).click();
  await expect(page.getByTestId("request-status")).toHaveText("pending");
  const requestUrl = page.url();

  for (const approver of ["Elena Petrova", "Kenji Watanabe"]) {
    const context = await browser.newContext({ baseURL: testInfo.project.use.baseURL });
    const approverPage = await context.newPage();
    await signInAs(approverPage, approver);
    await approverPage.goto(`/inbox?request=${requestUrl.split("/").pop()}`);
    await expect(approverPage.getByRole("heading", { name: /Maya Chen asks for Write on Orders database/ })).toBeVisible();
    if (approver === "Elena Petrova") {
      await expectAccessible(approverPage, testInfo, "inbox");
      await keepScreenshot(approverPage, testInfo, "inbox");
      // From the keyboard: "a" approves the selected request.
      await approverPage.locator("body").press("a");
    } else {
      await approverPage.getByRole("button", { name: "Approve", exact: true }).click();
    }
    await expect(approverPage.getByRole("status").filter({ hasText: /recorded|Approved/ })).toBeVisible();
    await context.close();
  }

  await page.goto(requestUrl);
  await expect(page.getByTestId("request-status")).toHaveText("approved");
  await expect(page.getByText("Elena Petrova")).toBeVisible();
  await expect(page.getByText("Kenji Watanabe")).toBeVisible();
  await keepScreenshot(page, testInfo, "request-approved");
});

test("a denied request shows the approver's comment to the requester", async ({ page, browser }, testInfo) => {
  await signInAs(page, "Noah Williams");
  await fillRequest(page, { resource: "Orders database \\(production\\)", level: "Read", minutes: 30, justification: "Look at yesterday's failed checkouts in detail", ticket: "INC-77" });
  await page.getByRole("button", { name: "Submit request" }).click();
  await expect(page.getByTestId("request-status")).toHaveText("pending");
  const requestUrl = page.url();

  const context = await browser.newContext({ baseURL: testInfo.project.use.baseURL });
  const approver = await context.newPage();
  await signInAs(approver, "Elena Petrova");
  await approver.goto(`/inbox?request=${requestUrl.split("/").pop()}`);
  await expect(approver.getByRole("heading", { name: /Noah Williams asks for Read/ })).toBeVisible();
  await approver.getByLabel(/^Comment/).fill("Use the staging copy; production is not needed for this");
  await approver.getByRole("button", { name: "Deny" }).click();
  await expect(approver.getByText(/Denied: the requester sees your comment/)).toBeVisible();
  await context.close();

  await page.goto(requestUrl);
  await expect(page.getByTestId("request-status")).toHaveText("denied");
  await expect(page.getByTestId("decision-comment")).toHaveText(/Use the staging copy/);
});

test("a request someone else decides while an approver reads it is reported, and the keys do not move to another", async ({ page, browser }, testInfo) => {
  await signInAs(page, "Samuel Adeyemi");
  const requestIds: string[] = [];
  for (const resource of ["Orders database \\(production\\)", "Payments ledger \\(production\\)"]) {
    await fillRequest(page, { resource, level: "Read", minutes: 30, justification: "Trace the duplicate refunds reported this morning", ticket: "INC-5150" });
    await page.getByRole("button", { name: "Submit request" }).click();
    await expect(page.getByTestId("request-status")).toHaveText("pending");
    requestIds.push(page.url().split("/").pop()!);
  }
  const [first, second] = requestIds as [string, string];

  const readerContext = await browser.newContext({ baseURL: testInfo.project.use.baseURL });
  const reader = await readerContext.newPage();
  await signInAs(reader, "Kenji Watanabe");
  await reader.goto(`/inbox?request=${first}`);
  await expect(reader.getByRole("heading", { name: /Samuel Adeyemi asks for Read on Orders database/ })).toBeVisible();

  const deciderContext = await browser.newContext({ baseURL: testInfo.project.use.baseURL });
  const decider = await deciderContext.newPage();
  await signInAs(decider, "Elena Petrova");
  await decider.goto(`/inbox?request=${first}`);
  await decider.getByLabel(/^Comment/).fill("Refund traces are in the support console; no database access needed");
  await decider.getByRole("button", { name: "Deny" }).click();
  await expect(decider.getByText(/Denied: the requester sees your comment/)).toBeVisible();
  await deciderContext.close();

  // The reader's inbox refreshes by itself: the request is reported gone, and nothing else is selected.
  await expect(reader.getByText(/Samuel Adeyemi's request for Read on Orders database \(production\) is no longer waiting for your decision: denied by Elena Petrova/)).toBeVisible({ timeout: 15_000 });
  await expect(reader.getByText("Choose a request to read it and decide.")).toBeVisible();
  await keepScreenshot(reader, testInfo, "inbox-request-gone");
  await reader.locator("body").press("a");
  await expect(reader.getByRole("status").filter({ hasText: /recorded|Approved/ })).toHaveCount(0);
  // A link to a request that is no longer waiting opens nothing in its place either.
  await reader.goto(`/inbox?request=${first}`);
  await expect(reader.getByText(/The request you opened is no longer waiting for your decision: denied by Elena Petrova/)).toBeVisible();
  await expect(reader.getByText("Choose a request to read it and decide.")).toBeVisible();
  await readerContext.close();

  await page.goto(`/access/requests/${second}`);
  await expect(page.getByTestId("request-status")).toHaveText("pending");
});

test("an extension of an active grant is approved and moves its end", async ({ page }) => {
  await signInAs(page, "Leo Rossi");
  await fillRequest(page, { resource: "Analytics warehouse", level: "Read", minutes: 15, justification: "Check the funnel dashboard numbers" });
  await page.getByRole("button", { name: "Get access" }).click();
  await page.getByRole("link", { name: "View grant" }).click();
  await expect(page.getByTestId("grant-status")).toHaveText("active", { timeout: 20_000 });
  const before = await page.getByText(/UTC/).nth(1).textContent();
  await page.getByLabel("Extra minutes").fill("30");
  await page.getByLabel("Why").fill("The funnel query is slower than expected");
  // The policy's answer before asking: tier 3 extends at once.
  await expect(page.getByTestId("extension-preview")).toContainText("Approved by policy at once");
  await page.getByRole("button", { name: "Request extension" }).click();
  await expect(page.getByText("Extended: the new end time is shown above.")).toBeVisible();
  await page.reload();
  await expect(page.getByText("Extended").first()).toBeVisible();
  expect(await page.getByText(/UTC/).nth(1).textContent()).not.toBe(before);
});

test("break-glass grants at once, alerts security, and another admin completes its review", async ({ page, browser }, testInfo) => {
  await signInAs(page, "Tomás García");
  await page.goto("/break-glass");
  await page.getByLabel("Resource").selectOption({ label: "Payments ledger (production) (tier 1)" });
  await page.getByLabel("Access", { exact: true }).selectOption({ label: "Admin" });
  await page.getByLabel("Minutes").fill("20");
  await page.getByLabel("Reason").fill("Settlement batch stuck mid-run; payouts blocked for all merchants");
  await page.getByLabel(/I understand security is alerted/).check();
  await expectAccessible(page, testInfo, "break-glass");
  await page.getByRole("button", { name: "Break the glass" }).click();
  await expect(page.getByText("break-glass", { exact: true })).toBeVisible();

  // The person who broke the glass cannot review it.
  await page.goto("/admin/break-glass");
  await expect(page.getByText("You used this break-glass access")).toBeVisible();

  const context = await browser.newContext({ baseURL: testInfo.project.use.baseURL });
  const reviewer = await context.newPage();
  await signInAs(reviewer, "Priya Raman");
  // Security was alerted in-app the moment it happened.
  await reviewer.goto("/notifications");
  await expect(reviewer.getByText(/Break-glass: Tomás García took Admin on Payments ledger/).first()).toBeVisible();
  await reviewer.goto("/admin/break-glass");
  await reviewer.getByLabel("Outcome").selectOption("justified");
  await reviewer.getByLabel("What happened").fill("Batch was stuck on a lock; Tomás killed the blocking session. Justified.");
  await keepScreenshot(reviewer, testInfo, "break-glass-review");
  await reviewer.getByRole("button", { name: "Complete review" }).click();
  await expect(reviewer.getByText("No open reviews")).toBeVisible();
  await expect(reviewer.getByText(/justified/).first()).toBeVisible();
  await context.close();
});
