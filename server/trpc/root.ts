import { createCallerFactory, createTRPCRouter } from "@/server/trpc/init";
import { accessRouter } from "@/server/trpc/routers/access";
import { authRouter } from "@/server/trpc/routers/auth";
import { connectorsRouter } from "@/server/trpc/routers/connectors";
import { evidenceRouter } from "@/server/trpc/routers/evidence";
import { grantsRouter } from "@/server/trpc/routers/grants";
import { groupsRouter } from "@/server/trpc/routers/groups";
import { identitiesRouter } from "@/server/trpc/routers/identities";
import { ledgerRouter } from "@/server/trpc/routers/ledger";
import { meRouter } from "@/server/trpc/routers/me";
import { notificationsRouter } from "@/server/trpc/routers/notifications";
import { policiesRouter } from "@/server/trpc/routers/policies";
import { reportsRouter } from "@/server/trpc/routers/reports";
import { requestsRouter } from "@/server/trpc/routers/requests";
import { resourcesRouter } from "@/server/trpc/routers/resources";
import { systemRouter } from "@/server/trpc/routers/system";
import { tokensRouter } from "@/server/trpc/routers/tokens";

export const appRouter = createTRPCRouter({
  access: accessRouter,
  auth: authRouter,
  connectors: connectorsRouter,
  evidence: evidenceRouter,
  grants: grantsRouter,
  groups: groupsRouter,
  identities: identitiesRouter,
  ledger: ledgerRouter,
  me: meRouter,
  notifications: notificationsRouter,
  policies: policiesRouter,
  reports: reportsRouter,
  requests: requestsRouter,
  resources: resourcesRouter,
  system: systemRouter,
  tokens: tokensRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
