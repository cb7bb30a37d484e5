import { randomBytes } from "node:crypto";
import type { IdentityActor } from "@/server/actor";
import type { Db } from "@/server/db";
import { toActor } from "@/server/domain/identities/queries";
import type { Role } from "@/server/generated/prisma/enums";

/** A person with the given roles, unique per call. */
export async function createPerson(db: Db, roles: Role[] = ["REQUESTER"], name = "Test Person"): Promise<IdentityActor> {
  const suffix = randomBytes(4).toString("hex");
  const identity = await db.identity.create({
    data: { kind: "HUMAN", name: `${name} ${suffix}`, email: `person-${suffix}@test.example`, roles },
  });
  return toActor(identity);
}
