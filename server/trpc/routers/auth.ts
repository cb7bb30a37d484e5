import { listDemoPersonas } from "@/server/domain/identities/queries";
import { env } from "@/server/env";
import { createTRPCRouter, publicProcedure } from "@/server/trpc/init";

export const authRouter = createTRPCRouter({
  /** How this deployment signs people in (the sign-in page). */
  methods: publicProcedure.query(() => {
    const config = env();
    return { demo: config.demo, oidc: config.oidcEnabled ? { name: config.AUTH_OIDC_NAME } : null };
  }),
  /** Demo personas; empty unless demo mode is on. */
  demoPersonas: publicProcedure.query(({ ctx }) => (env().demo ? listDemoPersonas(ctx.db) : [])),
});
