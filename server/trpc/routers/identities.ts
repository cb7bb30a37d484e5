import { createMachineIdentity, setIdentityStatus, setTargetLogin } from "@/server/domain/identities/mutations";
import { listIdentities } from "@/server/domain/identities/queries";
import { ZCreateMachineIdentityInput, ZListIdentitiesInput, ZSetIdentityStatusInput, ZSetTargetLoginInput } from "@/server/domain/identities/schema";
import { createTRPCRouter, permittedProcedure } from "@/server/trpc/init";

export const identitiesRouter = createTRPCRouter({
  list: permittedProcedure("identities:read").input(ZListIdentitiesInput).query(({ ctx, input }) => listIdentities(input, ctx)),
  createMachine: permittedProcedure("admin:manage").input(ZCreateMachineIdentityInput).mutation(({ ctx, input }) => createMachineIdentity(input, ctx)),
  setTargetLogin: permittedProcedure("admin:manage").input(ZSetTargetLoginInput).mutation(({ ctx, input }) => setTargetLogin(input, ctx)),
  setStatus: permittedProcedure("admin:manage").input(ZSetIdentityStatusInput).mutation(({ ctx, input }) => setIdentityStatus(input, ctx)),
});
