import { z } from "zod";
import { ZInstant } from "@/server/domain/requests/schema";

export const ZCreateGroupInput = z
  .object({
    name: z.string().trim().min(2, "Name the group (at least 2 characters).").max(80),
    slug: z.string().trim().regex(/^[a-z0-9][a-z0-9-]{1,47}$/, "Use 2 to 48 lower-case letters, digits or dashes (e.g. payments-owners): policies name groups by it."),
    kind: z.enum(["TEAM", "APPROVERS"]),
    description: z.string().trim().max(300).optional(),
    /** Members kept equal to this identity-provider group (the groups claim) at each sign-in. */
    idpGroup: z.string().trim().min(1).max(200).optional(),
  })
  .strict();
export type CreateGroupInput = z.infer<typeof ZCreateGroupInput>;

export const ZGroupIdInput = z.object({ groupId: z.uuid() }).strict();

export const ZMembershipInput = z.object({ groupId: z.uuid(), identityId: z.uuid("Pick a person.") }).strict();
export type MembershipInput = z.infer<typeof ZMembershipInput>;

export const ZAddMemberInput = ZMembershipInput.extend({ isLead: z.boolean().optional() }).strict();
export type AddMemberInput = z.infer<typeof ZAddMemberInput>;

export const ZSetLeadInput = ZMembershipInput.extend({ isLead: z.boolean() }).strict();
export type SetLeadInput = z.infer<typeof ZSetLeadInput>;

export const ZAddShiftInput = z
  .object({ groupId: z.uuid(), identityId: z.uuid("Pick a person."), startsAt: ZInstant, endsAt: ZInstant })
  .strict()
  .refine((input) => input.endsAt > input.startsAt, { message: "The shift must end after it starts.", path: ["endsAt"] });
export type AddShiftInput = z.infer<typeof ZAddShiftInput>;

export const ZShiftIdInput = z.object({ shiftId: z.uuid() }).strict();
export type ShiftIdInput = z.infer<typeof ZShiftIdInput>;
