import { expect, test, type Page } from "@playwright/test";

/** Single sign-on against a real OpenID Provider (oidc-provider) started for the suite. */
async function signInWithIdp(page: Page, login: string) {
  await page.goto("/signin");
  await page.getByRole("button", { name: "Continue with Test IdP" }).click();
  await page.getByLabel("Username").fill(login);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(/^Hello, /);
}

test("an IdP admin group maps to Keycard's admin role", async ({ page }) => {
  await signInWithIdp(page, "ada");
  await expect(page.getByRole("heading", { name: "Hello, Ada" })).toBeVisible();
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Admin" })).toBeVisible();
  await page.goto("/admin");
  await expect(page.getByRole("heading", { name: "System status" })).toBeVisible();
  await expect(page.getByText("Test IdP")).toBeVisible();
});

test("an IdP auditor group maps to auditor, and the sign-in is in the ledger", async ({ page }) => {
  await signInWithIdp(page, "alan");
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Ledger" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Admin" })).toHaveCount(0);
  await page.goto("/ledger");
  await expect(page.getByRole("cell", { name: /Alan Turing signed in through single sign-on/ }).first()).toBeVisible();
});

test("someone whose groups map to no role is only a requester", async ({ page }) => {
  await signInWithIdp(page, "linus");
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Request" })).toBeVisible();
  for (const area of ["Inbox", "Ledger", "Reports", "Admin"]) await expect(nav.getByRole("link", { name: area })).toHaveCount(0);
});
