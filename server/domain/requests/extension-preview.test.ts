import { describe, expect, it } from "vitest";
import { toActor } from "@/server/domain/identities/queries";
import { createRequest } from "@/server/domain/requests/mutations";
import { previewExtension } from "@/server/domain/requests/queries";
import { requestExtension } from "@/server/domain/requests/special";
import { withDemoOrganisation } from "@/server/test/demo";

const demo = withDemoOrganisation();

const person = async (name: string) => toActor(await demo.db.identity.findFirstOrThrow({ where: { name } }));

describe("the extension preview", () => {
  it("says what asking would do — the same decision the extension then gets — for the holder only", async () => {
    const db = demo.db;
    const fatima = await person("Fatima Khan");
    const warehouse = await db.resource.findUniqueOrThrow({ where: { slug: "analytics-warehouse" }, include: { accessLevels: true } });
    const created = await createRequest({ resourceId: warehouse.id, accessLevelId: warehouse.accessLevels[0]!.id, durationMinutes: 60, justification: "Numbers for the weekly product review" }, { actor: fatima, db });
    const grantId = created.grantId!;

    // Only an active grant can be extended; the preview says so too.
    await expect(previewExtension({ grantId, additionalMinutes: 30 }, { actor: fatima, db })).rejects.toMatchObject({ code: "INVALID_TRANSITION" });
    await db.grant.update({ where: { id: grantId }, data: { status: "ACTIVE", activatedAt: new Date() } });

    const fine = await previewExtension({ grantId, additionalMinutes: 30, justification: "The query runs longer than planned" }, { actor: fatima, db });
    expect(fine).toMatchObject({ outcome: "auto_approve", violations: [] });
    const tooLong = await previewExtension({ grantId, additionalMinutes: 10_000 }, { actor: fatima, db });
    expect(tooLong.violations[0]?.message).toMatch(/^Duration of 10000 minutes is above/);

    // Someone else's grant is not found (ids are not an oracle), and previewing changes nothing.
    await expect(previewExtension({ grantId, additionalMinutes: 30 }, { actor: await person("Zoe Kim"), db })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await db.accessRequest.count({ where: { extendsGrantId: grantId } })).toBe(0);

    const extended = await requestExtension({ grantId, additionalMinutes: 30, justification: "The query runs longer than planned" }, { actor: fatima, db });
    expect(extended.status).toBe("APPROVED");
  });
});
