import { expect, test } from "@playwright/test";
import { expectAccessible, keepScreenshot } from "./support/axe";
import { signInAs } from "./support/sign-in";

test("an anonymous visitor is sent to sign-in, and the demo banner says demo mode is on", async ({ page }, testInfo) => {
  await page.goto("/access");
  await expect(page).toHaveURL(/\/signin/);
  await expect(page.getByRole("heading", { name: "Sign in to Keycard" })).toBeVisible();
  await expect(page.getByRole("note")).toContainText("Demo mode");
  await expectAccessible(page, testInfo, "signin");
  await keepScreenshot(page, testInfo, "signin");
});

test("a person signs in by picking a demo persona, and signs out", async ({ page }) => {
  await page.goto("/signin");
  await page.getByRole("button", { name: /Sign in as Jonas Weber/ }).click();
  await expect(page.getByRole("heading", { name: "Hello, Jonas" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Ledger" })).toBeVisible();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin/);
  await page.goto("/ledger");
  await expect(page).toHaveURL(/\/signin/);
});

test("an unknown page shows a helpful 404", async ({ page }, testInfo) => {
  await signInAs(page, "Maya Chen");
  await page.goto("/no-such-room");
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await expectAccessible(page, testInfo, "not-found");
});
