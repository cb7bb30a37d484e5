import { z } from "zod";

export const ZCatalogSearchInput = z.object({
  q: z.string().max(200).optional(),
  tier: z.coerce.number().int().min(1).max(3).optional(),
});
export type CatalogSearchInput = z.infer<typeof ZCatalogSearchInput>;

const ZSlug = z.string().trim().min(2).max(60).regex(/^[a-z0-9][a-z0-9-]*$/, "Use lower-case letters, digits and dashes.");
const ZJsonObjectText = z
  .string()
  .max(10_000)
  .transform((text, ctx) => {
    try {
      const value: unknown = JSON.parse(text || "{}");
      if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // fall through
    }
    ctx.addIssue({ code: "custom", message: "Must be a JSON object, e.g. {\"role\": \"orders_read\"}." });
    return z.NEVER;
  });

export const ZAccessLevelInput = z
  .object({
    id: z.uuid().optional(),
    key: z.string().trim().min(1).max(40).regex(/^[a-z][a-z0-9_-]*$/, "Use a short lower-case key such as read, write or admin."),
    name: z.string().trim().min(1).max(60),
    mode: z.enum(["ROLE_ELEVATION", "EPHEMERAL_CREDENTIAL"]),
    privilegeJson: ZJsonObjectText,
    riskWeight: z.number().int().min(0).max(50),
  })
  .strict();

export const ZSaveResourceInput = z
  .object({
    id: z.uuid().optional(),
    slug: ZSlug,
    name: z.string().trim().min(2).max(120),
    description: z.string().trim().max(500).optional(),
    tier: z.number().int().min(1).max(3),
    tags: z.array(z.string().trim().min(1).max(30).regex(/^[a-z0-9-]+$/, "Tags are lower-case words.")).max(20),
    environment: z.string().trim().min(2).max(30),
    timeZone: z.string().trim().min(1).max(60).refine((zone) => {
      try {
        new Intl.DateTimeFormat("en", { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, "Use an IANA time zone such as Europe/Berlin."),
    connectorId: z.uuid().nullable(),
    targetJson: ZJsonObjectText,
    ownerGroupId: z.uuid().nullable(),
    fallbackGroupId: z.uuid().nullable(),
    requestable: z.boolean(),
    accessLevels: z.array(ZAccessLevelInput).min(1, "Add at least one access level.").max(10),
  })
  .strict()
  .superRefine((input, ctx) => {
    const keys = input.accessLevels.map((l) => l.key);
    keys.forEach((key, index) => {
      if (keys.indexOf(key) !== index) ctx.addIssue({ code: "custom", path: ["accessLevels", index, "key"], message: `Access level key "${key}" is used twice.` });
    });
  });
export type SaveResourceInput = z.infer<typeof ZSaveResourceInput>;
