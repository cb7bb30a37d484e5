import { z } from "zod";
import { ConnectorError } from "./errors";
import { MariadbConnector, ZMariadbPrivilege, ZMariadbSecret, ZMariadbSettings, ZMariadbTarget } from "./mariadb";
import { PostgresConnector, ZPostgresPrivilege, ZPostgresSecret, ZPostgresSettings, ZPostgresTarget } from "./postgres";
import { RedisConnector, ZRedisPrivilege, ZRedisSecret, ZRedisSettings, ZRedisTarget } from "./redis";
import { parseAccessLevel } from "./spec";
import type { AccessLevelSpec, Connector, ConnectorKind, ProvisioningMode } from "./types";
import { WebhookConnector, ZWebhookPrivilege, ZWebhookSecret, ZWebhookSettings, ZWebhookTarget } from "./webhook";

/**
 * The one way to get a connector: `createConnector(kind, settings, secret)` validates the settings and
 * the (decrypted) secret and returns an instance that has not connected yet. The schemas are exported
 * per kind for the admin forms, which show the same messages the connector would throw.
 */

export const connectorSchemas = {
  POSTGRES: { settings: ZPostgresSettings, secret: ZPostgresSecret, privilege: ZPostgresPrivilege, target: ZPostgresTarget, modes: ["ROLE_ELEVATION", "EPHEMERAL_CREDENTIAL"] },
  MARIADB: { settings: ZMariadbSettings, secret: ZMariadbSecret, privilege: ZMariadbPrivilege, target: ZMariadbTarget, modes: ["ROLE_ELEVATION", "EPHEMERAL_CREDENTIAL"] },
  REDIS: { settings: ZRedisSettings, secret: ZRedisSecret, privilege: ZRedisPrivilege, target: ZRedisTarget, modes: ["EPHEMERAL_CREDENTIAL"] },
  WEBHOOK: { settings: ZWebhookSettings, secret: ZWebhookSecret, privilege: ZWebhookPrivilege, target: ZWebhookTarget, modes: ["ROLE_ELEVATION", "EPHEMERAL_CREDENTIAL"] },
} as const;

/** Settings per kind, as a discriminated union for forms and API input: `{ kind, settings }`. */
export const ZConnectorSettings = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("POSTGRES"), settings: ZPostgresSettings }),
  z.object({ kind: z.literal("MARIADB"), settings: ZMariadbSettings }),
  z.object({ kind: z.literal("REDIS"), settings: ZRedisSettings }),
  z.object({ kind: z.literal("WEBHOOK"), settings: ZWebhookSettings }),
]);
export type ConnectorSettingsInput = z.input<typeof ZConnectorSettings>;

export function createConnector(kind: ConnectorKind, settings: unknown, secret: unknown): Connector {
  switch (kind) {
    case "POSTGRES":
      return new PostgresConnector(settings, secret);
    case "MARIADB":
      return new MariadbConnector(settings, secret);
    case "REDIS":
      return new RedisConnector(settings, secret);
    case "WEBHOOK":
      return new WebhookConnector(settings, secret);
    default:
      throw new ConnectorError("INVALID", `unknown connector kind ${String(kind)}`, { field: "kind" });
  }
}

/**
 * Checks an access level's shape for a connector kind without contacting the target (saving a form);
 * `connector.validateAccessLevel` additionally checks that the role or database exists.
 * Throws ConnectorError INVALID naming the field.
 */
export function validateAccessLevelShape(kind: ConnectorKind, level: AccessLevelSpec): void {
  const schemas: { privilege: z.ZodType; target: z.ZodType; modes: readonly ProvisioningMode[] } | undefined = connectorSchemas[kind];
  if (!schemas) throw new ConnectorError("INVALID", `unknown connector kind ${String(kind)}`, { field: "kind" });
  parseAccessLevel(level, schemas);
}

export { ConnectorError, isConnectorError, messageForAdmins, connectorErrorKinds, type ConnectorErrorKind } from "./errors";
export { ephemeralPrincipalName, grantRoleName, parseKeycardName } from "./identifiers";
export { verifyWebhookSignature, signWebhookBody, signatureHeader } from "./webhook-signature";
export type * from "./types";
