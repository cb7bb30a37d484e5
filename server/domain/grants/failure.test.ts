import { afterEach, describe, expect, it, vi } from "vitest";
import { ConnectorError } from "@/server/connectors/errors";
import { grantFailureMessage } from "@/server/domain/grants/failure";
import { DomainError } from "@/server/errors";

describe("what a failed attempt records on the grant", () => {
  afterEach(() => vi.restoreAllMocks());

  it("keeps Keycard's own words: a connector's or the domain's message", () => {
    const remote = new ConnectorError("REFUSED", "the automation answered grant with HTTP 500", { detail: "Traceback: db password=hunter2" });
    expect(grantFailureMessage(remote, "g1", "provisioning")).toBe("the automation answered grant with HTTP 500");
    expect(grantFailureMessage(new DomainError("CONFLICT", "That login is not yours."), "g1", "provisioning")).toBe("That login is not yours.");
    expect(grantFailureMessage(new ConnectorError("INVALID", "x".repeat(5000)), "g1", "revocation")).toHaveLength(1000);
  });

  it("logs an internal error on the server and tells the grant's holder only where it is", () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const internal = new Error('Invalid `prisma.grant.update()` invocation: connection to 10.0.3.7:5432 failed for user "keycard"');
    const message = grantFailureMessage(internal, "0192f000-0000-7000-8000-0000000000aa", "revocation");
    expect(message).toBe("An internal error in Keycard stopped the revocation (the server log has it, under grant 0192f000-0000-7000-8000-0000000000aa).");
    expect(message).not.toMatch(/prisma|10\.0\.3\.7|keycard"/);
    expect(log).toHaveBeenCalledWith("[keycard:revocation] grant 0192f000-0000-7000-8000-0000000000aa:", internal);
    expect(grantFailureMessage("a thrown string", "g2", "provisioning")).toMatch(/^An internal error in Keycard stopped the provisioning/);
  });
});
