import type { Actor, IdentityActor } from "@/server/actor";
import type { Db } from "@/server/db";

/** What every domain function takes besides its input: who is acting, and the database. */
export interface Ctx {
  actor: Actor;
  db: Db;
}

export interface PersonCtx {
  actor: IdentityActor;
  db: Db;
}
