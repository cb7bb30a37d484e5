import { visibleAreas } from "@/server/auth/permissions";
import { createTRPCRouter, protectedProcedure } from "@/server/trpc/init";

export const meRouter = createTRPCRouter({
  get: protectedProcedure.query(({ ctx }) => ({
    id: ctx.actor.id,
    name: ctx.actor.name,
    email: ctx.actor.email,
    roles: ctx.actor.roles,
    areas: visibleAreas(ctx.actor),
  })),
});
