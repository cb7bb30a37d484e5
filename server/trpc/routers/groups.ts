import { addMember, addShift, createGroup, removeMember, removeShift, setLead } from "@/server/domain/groups/mutations";
import { getGroup, listGroups } from "@/server/domain/groups/queries";
import { ZAddMemberInput, ZAddShiftInput, ZCreateGroupInput, ZGroupIdInput, ZMembershipInput, ZSetLeadInput, ZShiftIdInput } from "@/server/domain/groups/schema";
import { createTRPCRouter, permittedProcedure } from "@/server/trpc/init";

export const groupsRouter = createTRPCRouter({
  list: permittedProcedure("identities:read").query(({ ctx }) => listGroups(ctx)),
  get: permittedProcedure("identities:read").input(ZGroupIdInput).query(({ ctx, input }) => getGroup(input.groupId, ctx)),
  create: permittedProcedure("admin:manage").input(ZCreateGroupInput).mutation(({ ctx, input }) => createGroup(input, ctx)),
  addMember: permittedProcedure("admin:manage").input(ZAddMemberInput).mutation(({ ctx, input }) => addMember(input, ctx)),
  removeMember: permittedProcedure("admin:manage").input(ZMembershipInput).mutation(({ ctx, input }) => removeMember(input, ctx)),
  setLead: permittedProcedure("admin:manage").input(ZSetLeadInput).mutation(({ ctx, input }) => setLead(input, ctx)),
  addShift: permittedProcedure("admin:manage").input(ZAddShiftInput).mutation(({ ctx, input }) => addShift(input, ctx)),
  removeShift: permittedProcedure("admin:manage").input(ZShiftIdInput).mutation(({ ctx, input }) => removeShift(input, ctx)),
});
