import { z } from "zod";

/**
 * Inputs of the connector admin (tRPC and forms). Settings and secrets arrive as plain objects and are
 * validated by the domain with the connector's own zod schemas (server/connectors), so a bad field gets
 * the same specific message here as the connector would give, with the field's path (`settings.host`).
 */

export const connectorKinds = ["POSTGRES", "MARIADB", "REDIS", "WEBHOOK"] as const;
export const ZConnectorKind = z.enum(connectorKinds);
export type ConnectorKindInput = z.infer<typeof ZConnectorKind>;

/** Form values: strings, numbers, booleans; the connector schema decides what each key must be. */
const ZValues = z.record(z.string().max(64), z.union([z.string().max(2048), z.number(), z.boolean(), z.null()]));

const ZName = z
  .string()
  .trim()
  .min(3, "Name the connector (at least 3 characters).")
  .max(80, "Keep the name under 80 characters.")
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  .refine((value) => !/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(value), "The name contains control or text-direction characters.");

export const ZCreateConnectorInput = z
  .object({
    name: ZName,
    kind: ZConnectorKind,
    settings: ZValues,
    /** Write-only: stored encrypted, never returned. */
    secret: ZValues.optional(),
  })
  .strict();
export type CreateConnectorInput = z.infer<typeof ZCreateConnectorInput>;

export const ZUpdateConnectorInput = z
  .object({
    connectorId: z.uuid(),
    name: ZName,
    settings: ZValues,
    /** Omitted or empty: keep the stored secret. */
    secret: ZValues.optional(),
  })
  .strict();
export type UpdateConnectorInput = z.infer<typeof ZUpdateConnectorInput>;

export const ZConnectorIdInput = z.object({ connectorId: z.uuid() }).strict();
export type ConnectorIdInput = z.infer<typeof ZConnectorIdInput>;

/** "Test connection" on a form that was not saved yet (an edit may leave the secret out: the stored one is used). */
export const ZTestConnectorSettingsInput = z
  .object({
    kind: ZConnectorKind,
    settings: ZValues,
    secret: ZValues.optional(),
    connectorId: z.uuid().optional(),
  })
  .strict();
export type TestConnectorSettingsInput = z.infer<typeof ZTestConnectorSettingsInput>;
