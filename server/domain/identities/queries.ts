import type { IdentityActor } from "@/server/actor";
import { assertCan } from "@/server/auth/permissions";
import type { Ctx } from "@/server/domain/context";
import { loginSourceSelect, targetLoginFor } from "@/server/domain/connectors/instance";
import { buildHolderIndex } from "@/server/domain/discovery/holders";
import type { ListIdentitiesInput } from "@/server/domain/identities/schema";
import type { DbOrTx } from "@/server/db";
import { escapeLike, sanitizeSearchText } from "@/server/db/like";
import type { Identity } from "@/server/generated/prisma/client";

export function toActor(identity: Pick<Identity, "id" | "kind" | "name" | "email" | "roles">): IdentityActor {
  return { type: "identity", id: identity.id, kind: identity.kind, name: identity.name, email: identity.email, roles: identity.roles };
}

/**
 * The actor behind a session, read fresh on every request: a disabled or deleted identity gets null, so
 * it loses access on its next request even while its session cookie is still valid.
 */
export async function findActiveActor(db: DbOrTx, identityId: string): Promise<IdentityActor | null> {
  if (!/^[0-9a-f-]{36}$/i.test(identityId)) return null;
  const identity = await db.identity.findUnique({
    where: { id: identityId },
    select: { id: true, kind: true, name: true, email: true, roles: true, status: true },
  });
  if (!identity || identity.status !== "ACTIVE" || identity.kind !== "HUMAN") return null;
  return toActor(identity);
}

export interface DemoPersona {
  id: string;
  name: string;
  email: string | null;
  title: string | null;
  roles: string[];
  team: string | null;
}

/** People a demo visitor may sign in as: every active person, those with more roles first. */
export async function listDemoPersonas(db: DbOrTx): Promise<DemoPersona[]> {
  const people = await db.identity.findMany({
    where: { kind: "HUMAN", status: "ACTIVE" },
    select: {
      id: true,
      name: true,
      email: true,
      title: true,
      roles: true,
      memberships: { where: { group: { kind: "TEAM" } }, select: { group: { select: { name: true } } }, take: 1 },
    },
    orderBy: { name: "asc" },
    take: 500,
  });
  return people.map((p) => ({
    id: p.id,
    name: p.name,
    email: p.email,
    title: p.title,
    roles: p.roles,
    team: p.memberships[0]?.group.name ?? null,
  }));
}

/** The admin's list of people and machines. */
export async function listIdentities(input: ListIdentitiesInput, ctx: Ctx) {
  assertCan(ctx.actor, "identities:read");
  // Escaped: the ORM's `contains` would let "%" and "_" act as wildcards.
  const q = input.q === undefined ? "" : escapeLike(sanitizeSearchText(input.q));
  const [identities, everyone] = await Promise.all([
    ctx.db.identity.findMany({
      where: {
        ...(input.kind ? { kind: input.kind } : {}),
        ...(q ? { OR: [{ name: { contains: q, mode: "insensitive" } }, { email: { contains: q, mode: "insensitive" } }] } : {}),
      },
      select: {
        id: true,
        kind: true,
        status: true,
        name: true,
        email: true,
        title: true,
        roles: true,
        lastSeenAt: true,
        targetLogin: true,
        owner: { select: { name: true } },
        // Approver groups, so the page can point out a member that routing will not ask (no approver role).
        memberships: { where: { group: { kind: "APPROVERS" } }, select: { group: { select: { name: true } } }, orderBy: { group: { name: "asc" } } },
        _count: { select: { apiTokens: { where: { revokedAt: null } } } },
      },
      orderBy: [{ kind: "asc" }, { name: "asc" }],
      take: 500,
    }),
    // Every identity's login in targets, to point out the ones two identities would share.
    ctx.db.identity.findMany({ select: { id: true, kind: true, status: true, ...loginSourceSelect } }),
  ]);
  // Discovery's index of logins: a login two identities would share maps to nobody (null).
  const holders = buildHolderIndex(everyone);
  return identities.map(({ targetLogin, ...identity }) => {
    const login = targetLoginFor({ ...identity, targetLogin });
    const source = targetLogin !== null ? "admin" : identity.email ? "email" : "name";
    return { ...identity, login: { name: login, source, shared: holders.get(login) === null } as const };
  });
}
