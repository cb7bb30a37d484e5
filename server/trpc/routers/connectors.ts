import { createConnector, reconcileConnectorNow, testConnector, testConnectorSettings, updateConnector } from "@/server/domain/connectors/mutations";
import { getConnector, listConnectors } from "@/server/domain/connectors/queries";
import { ZConnectorIdInput, ZCreateConnectorInput, ZTestConnectorSettingsInput, ZUpdateConnectorInput } from "@/server/domain/connectors/schema";
import { createTRPCRouter, permittedProcedure } from "@/server/trpc/init";

const admin = permittedProcedure("admin:manage");

export const connectorsRouter = createTRPCRouter({
  list: admin.query(({ ctx }) => listConnectors(ctx)),
  get: admin.input(ZConnectorIdInput).query(({ ctx, input }) => getConnector(input, ctx)),
  create: admin.input(ZCreateConnectorInput).mutation(({ ctx, input }) => createConnector(input, ctx)),
  update: admin.input(ZUpdateConnectorInput).mutation(({ ctx, input }) => updateConnector(input, ctx)),
  test: admin.input(ZConnectorIdInput).mutation(({ ctx, input }) => testConnector(input, ctx)),
  testSettings: admin.input(ZTestConnectorSettingsInput).mutation(({ ctx, input }) => testConnectorSettings(input, ctx)),
  reconcile: admin.input(ZConnectorIdInput).mutation(({ ctx, input }) => reconcileConnectorNow(input, ctx)),
});
