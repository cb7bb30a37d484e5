import { describe, expect, it } from "vitest";
import { checkGrantTransition, checkRequestTransition } from "@/server/domain/lifecycle/transitions";
import type { GrantStatus, RequestStatus } from "@/server/generated/prisma/enums";

const requestStatuses: RequestStatus[] = ["PENDING", "APPROVED", "DENIED", "CANCELLED", "EXPIRED"];
const grantStatuses: GrantStatus[] = ["SCHEDULED", "PROVISIONING", "ACTIVE", "REVOKING", "REVOKED", "FAILED"];

describe("the request state machine", () => {
  it.each(requestStatuses.flatMap((from) => requestStatuses.map((to) => [from, to] as const)))("%s → %s", (from, to) => {
    const allowed = from === "PENDING" && to !== "PENDING";
    if (from === to) expect(checkRequestTransition(from, to)).toBe("noop");
    else if (allowed) expect(checkRequestTransition(from, to)).toBe("apply");
    else expect(() => checkRequestTransition(from, to)).toThrow(expect.objectContaining({ code: "INVALID_TRANSITION" }));
  });

  it("explains why a decided request cannot be decided again", () => {
    expect(() => checkRequestTransition("DENIED", "APPROVED")).toThrow("already denied");
    expect(() => checkRequestTransition("CANCELLED", "APPROVED")).toThrow("cancelled");
    expect(() => checkRequestTransition("EXPIRED", "DENIED")).toThrow("expired");
  });
});

describe("the grant state machine", () => {
  const allowed = new Set([
    "SCHEDULED>PROVISIONING",
    "SCHEDULED>REVOKED",
    "SCHEDULED>REVOKING",
    "PROVISIONING>ACTIVE",
    "PROVISIONING>REVOKING",
    "PROVISIONING>FAILED",
    "ACTIVE>REVOKING",
    "REVOKING>REVOKED",
  ]);
  it.each(grantStatuses.flatMap((from) => grantStatuses.map((to) => [from, to] as const)))("%s → %s", (from, to) => {
    if (from === to) expect(checkGrantTransition(from, to)).toBe("noop");
    else if (allowed.has(`${from}>${to}`)) expect(checkGrantTransition(from, to)).toBe("apply");
    else expect(() => checkGrantTransition(from, to)).toThrow(expect.objectContaining({ code: "INVALID_TRANSITION" }));
  });

  it("never brings a revoked grant back", () => {
    for (const to of grantStatuses.filter((s) => s !== "REVOKED")) expect(() => checkGrantTransition("REVOKED", to)).toThrow();
  });
});
