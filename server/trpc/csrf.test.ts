import { describe, expect, it } from "vitest";
import { refuseUnsafeRequest } from "@/server/trpc/csrf";

const url = "http://portal.example/api/trpc/x";

function post(headers: Record<string, string>) {
  return new Request(url, { method: "POST", headers: { host: "portal.example", ...headers }, body: "{}" });
}

describe("CSRF protection of tRPC mutations", () => {
  it.each([
    ["text/plain", 415],
    ["application/x-www-form-urlencoded", 415],
    ["multipart/form-data; boundary=x", 415],
  ])("refuses a mutation sent as %s", (contentType, status) => {
    expect(refuseUnsafeRequest(post({ "content-type": contentType }))?.status).toBe(status);
  });

  it("refuses a JSON mutation from another origin", () => {
    expect(refuseUnsafeRequest(post({ "content-type": "application/json", origin: "https://evil.example" }))?.status).toBe(403);
  });

  it("accepts a same-origin JSON mutation, and any GET query", () => {
    expect(refuseUnsafeRequest(post({ "content-type": "application/json", origin: "http://portal.example" }))).toBeNull();
    expect(refuseUnsafeRequest(post({ "content-type": "application/json; charset=utf-8" }))).toBeNull();
    expect(refuseUnsafeRequest(new Request(url))).toBeNull();
  });
});
