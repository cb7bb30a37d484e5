import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import type { IdentityActor } from "@/server/actor";
import { can, type Permission } from "@/server/auth/permissions";
import type { Db } from "@/server/db";
import { uniqueViolationToConflict } from "@/server/db/unique-violation";
import { errorCodes, isDomainError } from "@/server/errors";

export interface TrpcContext {
  /** tRPC serves people signed in to the portal; machines use /api/v1 with tokens. */
  actor: IdentityActor | null;
  db: Db;
}

const t = initTRPC.context<TrpcContext>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    return {
      ...shape,
      data: {
        ...shape.data,
        // The domain's own code (INVALID_TRANSITION, VALIDATION…) for the UI's specific messages.
        domainCode: isDomainError(cause) ? cause.code : null,
        details: isDomainError(cause) ? (cause.details ?? null) : null,
        fieldErrors: cause instanceof ZodError ? cause.flatten().fieldErrors : null,
        // Never leak stack traces to clients.
        stack: undefined,
      },
    };
  },
});

/** Maps the domain's errors once (and a unique constraint's race, as a conflict), so routers stay thin. */
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const cause = isDomainError(result.error.cause) ? result.error.cause : uniqueViolationToConflict(result.error.cause);
    if (cause) throw new TRPCError({ code: errorCodes[cause.code].trpc, message: cause.message, cause });
  }
  return result;
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

export const publicProcedure = t.procedure.use(domainErrors);

/** Signed in (and still active: the context resolves the actor fresh on every call). */
export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.actor) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to continue." });
  return next({ ctx: { ...ctx, actor: ctx.actor } });
});

/**
 * A coarse role gate from the permission table; domain functions check again (and check the finer
 * rules), so a router that forgets this still cannot bypass authorization.
 */
export function permittedProcedure(permission: Permission) {
  return protectedProcedure.use(({ ctx, next }) => {
    if (!can(ctx.actor, permission)) {
      throw new TRPCError({ code: "FORBIDDEN", message: `You are not allowed to do this (needs ${permission}).` });
    }
    return next();
  });
}
