import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "@/server/env";
import { absoluteLink, parseSmtpUrl } from "@/server/notifications/config";

describe("notification configuration", () => {
  it.each([
    ["smtp://user:p%40ss@mail.example.com:2525", { host: "mail.example.com", port: 2525, secure: false, user: "user", pass: "p@ss" }],
    ["smtps://mail.example.com", { host: "mail.example.com", port: 465, secure: true, user: undefined, pass: undefined }],
    ["smtp://relay.internal", { host: "relay.internal", port: 587, secure: false }],
  ])("reads %s", (url, expected) => {
    expect(parseSmtpUrl(url)).toMatchObject(expected);
  });

  it.each([
    [{ KEYCARD_SMTP_URL: "http://mail.example.com" }, "KEYCARD_SMTP_URL"],
    [{ KEYCARD_SMTP_URL: "mail.example.com:25" }, "KEYCARD_SMTP_URL"],
    [{ KEYCARD_SECURITY_EMAILS: "soc@example.com, not-an-address" }, "KEYCARD_SECURITY_EMAILS"],
  ])("refuses a bad value with one line naming the variable: %j", (source, variable) => {
    expect(() => parseEnv(source)).toThrow(EnvError);
    expect(() => parseEnv(source)).toThrow(new RegExp(`^Invalid configuration: ${variable} `));
  });

  it("accepts a list of security addresses and no SMTP at all", () => {
    expect(parseEnv({ KEYCARD_SECURITY_EMAILS: "soc@example.com, ciso@example.com" }).KEYCARD_SECURITY_EMAILS).toBe("soc@example.com, ciso@example.com");
    expect(parseEnv({}).KEYCARD_SMTP_URL).toBeUndefined();
  });

  it("makes portal paths absolute and leaves absolute links alone", () => {
    expect(absoluteLink("/inbox?request=1", "https://k.example.com")).toBe("https://k.example.com/inbox?request=1");
    expect(absoluteLink("https://elsewhere.example.com/x", "https://k.example.com")).toBe("https://elsewhere.example.com/x");
    expect(absoluteLink(null, "https://k.example.com")).toBeNull();
  });
});
