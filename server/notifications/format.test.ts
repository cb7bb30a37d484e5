import { describe, expect, it } from "vitest";
import { renderEmail } from "@/server/notifications/email";
import { cleanText, escapeMrkdwn, oneLine, quote } from "@/server/notifications/format";
import { buildWebhookPayload } from "@/server/notifications/webhook";

describe("text hygiene", () => {
  it("strips control and bidi characters and keeps newlines", () => {
    expect(cleanText("a\u0000b\u202ec\r\nd\u0007", 100)).toBe("abc\nd");
  });

  it("a title cannot carry a second header line", () => {
    expect(oneLine("Approved\r\nBcc: attacker@example.com")).toBe("Approved Bcc: attacker@example.com");
  });

  it("long quotes are shortened", () => {
    const q = quote("x".repeat(1_000_000), 500);
    expect(q?.length).toBeLessThanOrEqual(502);
    expect(q?.endsWith("…”")).toBe(true);
  });

  it("quoted text cannot ping a Slack channel or forge a link", () => {
    expect(escapeMrkdwn("<!channel> <https://evil.example|click> & co")).toBe("&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; co");
  });
});

describe("email rendering", () => {
  it("has a plain-text body with the absolute portal link, and escaped HTML", () => {
    const email = renderEmail({ kind: "request.decided", title: "Denied: Write on <Orders>", body: "Sam denied your request.\nComment: “<script>”", link: "/access/requests/r1" }, "https://keycard.example.com");
    expect(email.subject).toBe("[Keycard] Denied: Write on <Orders>");
    expect(email.text).toContain("Comment: “<script>”");
    expect(email.text).toContain("Open in Keycard: https://keycard.example.com/access/requests/r1");
    expect(email.html).toContain("&lt;script&gt;");
    expect(email.html).not.toContain("<script>");
    expect(email.html).toContain('href="https://keycard.example.com/access/requests/r1"');
  });
});

describe("webhook payload", () => {
  it("is Slack-compatible (text + blocks) and carries the structured event", () => {
    const payload = buildWebhookPayload(
      { id: "n1", kind: "grant.activated", title: "Access active: Maya → Read on <db>", body: "Until 12:00", link: "/access/grants/g1", data: { grantId: "g1" }, createdAt: new Date("2026-01-01T00:00:00Z") },
      "https://keycard.example.com",
    );
    expect(payload.text).toBe("Access active: Maya → Read on &lt;db&gt;\nUntil 12:00\n<https://keycard.example.com/access/grants/g1|Open in Keycard>");
    expect(payload.blocks[0]).toEqual({ type: "section", text: { type: "mrkdwn", text: "*Access active: Maya → Read on &lt;db&gt;*\nUntil 12:00" } });
    expect(payload.blocks[1]).toMatchObject({ type: "actions", elements: [{ type: "button", url: "https://keycard.example.com/access/grants/g1" }] });
    expect(payload.keycard).toMatchObject({ id: "n1", kind: "grant.activated", link: "https://keycard.example.com/access/grants/g1", data: { grantId: "g1" } });
  });
});
