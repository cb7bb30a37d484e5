import "server-only";
import { cache } from "react";
import { currentActor } from "@/server/auth/session";
import { db } from "@/server/db";
import { createCaller } from "@/server/trpc/root";

/** tRPC for server components: the same procedures and checks, called in-process. */
export const api = cache(async () => createCaller({ actor: await currentActor(), db: db() }));
