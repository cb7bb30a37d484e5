import { describe, expect, it } from "vitest";
import { errorToResponse } from "@/server/api/errors";
import { uniqueViolationToConflict } from "@/server/db/unique-violation";
import { withDemoOrganisation } from "@/server/test/demo";

const demo = withDemoOrganisation();

describe("uniqueViolationToConflict", () => {
  it("turns the database's unique violation into a CONFLICT that names what clashed", async () => {
    const group = await demo.db.group.findFirstOrThrow();
    const error = await demo.db.group.create({ data: { slug: group.slug, name: "Twin", kind: group.kind } }).catch((e: unknown) => e);
    const conflict = uniqueViolationToConflict(error);
    expect(conflict?.code).toBe("CONFLICT");
    expect(conflict?.message).toContain("Another group with the same slug already exists");
    expect(conflict?.details).toEqual({ fields: ["slug"] });
    // The HTTP API answers the same race with a 409, not a 500.
    const response = errorToResponse(error, new Headers());
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ error: { code: "CONFLICT", details: { fields: ["slug"] } } });
  });

  it("recognises a raw statement's violation", async () => {
    const group = await demo.db.group.findFirstOrThrow();
    const error = await demo.db.$executeRaw`INSERT INTO "Group" (id, slug, name, kind, "updatedAt") VALUES (gen_random_uuid(), ${group.slug}, 'Twin', ${group.kind}::"GroupKind", now())`.catch((e: unknown) => e);
    expect(uniqueViolationToConflict(error)?.message).toContain("Another group with the same slug already exists");
  });

  it("leaves every other error alone", () => {
    expect(uniqueViolationToConflict(new Error("boom"))).toBeNull();
    expect(uniqueViolationToConflict({ code: "P2025" })).toBeNull();
    expect(uniqueViolationToConflict(null)).toBeNull();
  });
});
