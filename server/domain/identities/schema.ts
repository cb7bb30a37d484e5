import { z } from "zod";

export const ZSetIdentityStatusInput = z.object({
  identityId: z.uuid(),
  status: z.enum(["ACTIVE", "DISABLED"]),
  reason: z.string().trim().min(3, "Say why (at least 3 characters).").max(500),
});
export type SetIdentityStatusInput = z.infer<typeof ZSetIdentityStatusInput>;

export const ZListIdentitiesInput = z.object({
  q: z.string().max(200).optional(),
  kind: z.enum(["HUMAN", "MACHINE"]).optional(),
});
export type ListIdentitiesInput = z.infer<typeof ZListIdentitiesInput>;

export const ZCreateMachineIdentityInput = z
  .object({
    name: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9._-]{2,62}$/, "Use 3 to 63 lower-case letters, digits, dots, dashes or underscores, starting with a letter or digit (e.g. deploy-pipeline)."),
    ownerId: z.uuid("Pick the person who answers for this machine."),
    purpose: z.string().trim().min(3, "Say what the machine does (at least 3 characters).").max(120),
  })
  .strict();
export type CreateMachineIdentityInput = z.infer<typeof ZCreateMachineIdentityInput>;

/** An identity's own login in targets (role elevation); empty clears it back to the one its email derives. */
export const ZSetTargetLoginInput = z
  .object({
    identityId: z.uuid(),
    targetLogin: z
      .string()
      .trim()
      .regex(/^([a-z_][a-z0-9_]{0,47})?$/, "Use up to 48 lower-case letters, digits and underscores, starting with a letter or underscore (e.g. jane_roe).")
      .refine((value) => !value.startsWith("kc_"), "Logins starting with kc_ are the ones Keycard creates for grants; pick another.")
      .transform((value) => value || null),
  })
  .strict();
export type SetTargetLoginInput = z.infer<typeof ZSetTargetLoginInput>;
