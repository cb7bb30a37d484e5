import { z } from "zod";
import { ConnectorError } from "./errors";
import { describeZodError, zGrantId } from "./identifiers";
import type { AccessLevelSpec, GrantSpec, ProvisioningMode } from "./types";

/** Parses configuration with a zod schema; a failure is a ConnectorError INVALID naming the field. */
export function parseConfig<S extends z.ZodType>(schema: S, value: unknown, what: string, fieldPrefix?: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const { message, field } = describeZodError(result.error, what);
    const path = [fieldPrefix, field].filter(Boolean).join(".");
    throw new ConnectorError("INVALID", message, path ? { field: path } : {});
  }
  return result.data;
}

export const ZProvisioningMode = z.enum(["ROLE_ELEVATION", "EPHEMERAL_CREDENTIAL"]);

const ZGrantEnvelope = z.object({
  grantId: zGrantId,
  mode: ZProvisioningMode,
  subject: z.object({
    identityId: z.string().min(1),
    email: z.string(),
    name: z.string(),
    targetLogin: z.string().optional(),
  }),
  endsAt: z.date().refine((d) => !Number.isNaN(d.getTime()), "endsAt must be a valid date"),
  rotateCredential: z.boolean().optional(),
});

export interface ParsedGrant<P, T> extends Omit<GrantSpec, "privilege" | "target"> {
  privilege: P;
  target: T;
}

/** Validates the envelope, the privilege and the target of a grant before any target call. */
export function parseGrantSpec<P extends z.ZodType, T extends z.ZodType>(
  spec: GrantSpec,
  schemas: { privilege: P; target: T; modes: readonly ProvisioningMode[] },
): ParsedGrant<z.infer<P>, z.infer<T>> {
  const envelope = parseConfig(ZGrantEnvelope, spec, "grant");
  const level = parseAccessLevel(spec, schemas);
  return { ...envelope, privilege: level.privilege, target: level.target };
}

export function parseAccessLevel<P extends z.ZodType, T extends z.ZodType>(
  level: AccessLevelSpec,
  schemas: { privilege: P; target: T; modes: readonly ProvisioningMode[] },
): { mode: ProvisioningMode; privilege: z.infer<P>; target: z.infer<T> } {
  const mode = parseConfig(ZProvisioningMode, level.mode, "provisioning mode");
  if (!schemas.modes.includes(mode)) {
    throw new ConnectorError("INVALID", `this target does not support ${mode} (supported: ${schemas.modes.join(", ")})`, { field: "mode" });
  }
  return {
    mode,
    privilege: parseConfig(schemas.privilege, level.privilege, "privilege", "privilege"),
    target: parseConfig(schemas.target, level.target ?? {}, "target", "target"),
  };
}
