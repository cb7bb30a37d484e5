import type { IdentityKind, Role } from "@/server/generated/prisma/enums";

/**
 * Who is acting. Domain functions take it in their ctx instead of reading a session, so the tRPC router,
 * the HTTP API, a job and a test all call them the same way.
 */
export type Actor =
  | {
      type: "identity";
      id: string;
      kind: IdentityKind;
      name: string;
      email: string | null;
      roles: readonly Role[];
      /** Set when the call came in through an API token: what that token may do. */
      tokenScopes?: readonly string[];
      tokenId?: string;
    }
  | { type: "system"; job: string };

export type IdentityActor = Extract<Actor, { type: "identity" }>;

export function systemActor(job: string): Actor {
  return { type: "system", job };
}

/** How the ledger names an actor. */
export function describeActor(actor: Actor): { actorType: string; actorId: string | null; actorLabel: string } {
  if (actor.type === "system") return { actorType: "system", actorId: actor.job, actorLabel: `system:${actor.job}` };
  return {
    actorType: actor.kind === "MACHINE" ? "machine" : "user",
    actorId: actor.id,
    actorLabel: actor.email ?? actor.name,
  };
}
