import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { expectAccessible, keepScreenshot } from "./support/axe";
import { signInAs } from "./support/sign-in";

test("the bell shows the unread count, opens from the keyboard and closes with Escape", async ({ page }, testInfo) => {
  await signInAs(page, "Maya Chen");
  await page.goto("/");
  const bell = page.getByRole("button", { name: /^Notifications, \d+ unread$/ });
  await expect(bell).toBeVisible();
  await expect(bell).toHaveAttribute("aria-expanded", "false");
  await bell.focus();
  await page.keyboard.press("Enter");
  await expect(bell).toHaveAttribute("aria-expanded", "true");
  const panel = page.getByRole("region", { name: "Notifications" });
  await expect(panel.getByRole("link", { name: "See all notifications" })).toBeVisible();
  await expectAccessible(page, testInfo, "bell-open");
  await keepScreenshot(page, testInfo, "notifications-bell-open");
  await page.keyboard.press("Escape");
  await expect(panel).toBeHidden();
  await expect(bell).toBeFocused();
});

test("the notifications page lists my notifications and is accessible", async ({ page }, testInfo) => {
  await signInAs(page, "Maya Chen");
  await page.goto("/notifications");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Notifications");
  await expectAccessible(page, testInfo, "notifications");
  await keepScreenshot(page, testInfo, "notifications");
});

test.describe("admin: webhook endpoints", () => {
  let receiver: Server;
  let receiverUrl = "";
  const received: { signature: string | undefined; event: string | undefined }[] = [];

  test.beforeAll(async () => {
    receiver = createServer((req, res) => {
      received.push({ signature: req.headers["x-keycard-signature"] as string | undefined, event: req.headers["x-keycard-event"] as string | undefined });
      req.resume();
      req.on("end", () => res.writeHead(200).end("ok"));
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });
  test.afterAll(async () => {
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  test("an admin adds an endpoint, sees its secret once, and a signed test arrives", async ({ page }, testInfo) => {
    await signInAs(page, "Priya Raman");
    await page.goto("/admin/notifications");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Notifications");
    const name = `E2E channel ${Date.now()}`;
    await page.getByLabel("Name").fill(name);
    await page.getByLabel("URL").fill(receiverUrl);
    await page.getByLabel("Break-glass activated").check();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const secret = page.getByRole("status").filter({ hasText: "not shown again" });
    await expect(secret).toContainText(/whsec_[A-Za-z0-9_-]{43}/);
    await expect(page.getByRole("cell", { name, exact: true })).toBeVisible();
    await page.getByRole("button", { name: `Send a test to ${name}` }).click();
    await expect(page.getByText(/Delivered: HTTP 200/)).toBeVisible();
    expect(received.at(-1)).toMatchObject({ event: "webhook.test", signature: expect.stringMatching(/^t=\d+,v1=[0-9a-f]{64}$/) });
    await expectAccessible(page, testInfo, "admin-notifications");
    await keepScreenshot(page, testInfo, "admin-notifications");

    // After a reload the secret is gone for good.
    await page.reload();
    await expect(page.getByText(/whsec_/)).toHaveCount(0);
    await page.getByRole("button", { name: `Disable ${name}` }).click();
    await expect(page.getByRole("button", { name: `Enable ${name}` })).toBeVisible();
  });

  test("a requester cannot open the admin page, and the API refuses them", async ({ page }) => {
    await signInAs(page, "Maya Chen");
    await page.goto("/admin/notifications");
    await expect(page).toHaveURL(/\/$/);
    const response = await page.request.get("/api/trpc/notifications.deliveries");
    expect(response.status()).toBe(403);
  });
});
