import { createConnector } from "@/server/connectors";
import type { Connector, GrantSpec } from "@/server/connectors/types";
import { decryptSecret } from "@/server/crypto";
import type { DbOrTx } from "@/server/db";
import type { Connector as ConnectorRow, ProvisioningMode } from "@/server/generated/prisma/client";
import { DomainError } from "@/server/errors";

/**
 * Live connector instances, one per connector row and version (updatedAt), so their connection pools are
 * reused across grants; a changed configuration gets a fresh instance and the old one is closed.
 */
const instances = new Map<string, { version: number; connector: Connector }>();

export function connectorFromRow(row: Pick<ConnectorRow, "id" | "kind" | "settings" | "secretCiphertext" | "updatedAt">): Connector {
  const cached = instances.get(row.id);
  const version = row.updatedAt.getTime();
  if (cached && cached.version === version) return cached.connector;
  if (cached) void cached.connector.close().catch(() => undefined);
  const secret = row.secretCiphertext ? (JSON.parse(decryptSecret(row.secretCiphertext, row.id)) as unknown) : {};
  const connector = createConnector(row.kind, row.settings, secret);
  instances.set(row.id, { version, connector });
  return connector;
}

export async function connectorForResource(db: DbOrTx, resourceId: string): Promise<Connector> {
  const resource = await db.resource.findUnique({ where: { id: resourceId }, select: { connector: true, name: true } });
  if (!resource?.connector) throw new DomainError("VALIDATION", `${resource?.name ?? "This resource"} has no connector configured.`);
  return connectorFromRow(resource.connector);
}

/** Closes every live connector (tests, shutdown). */
export async function closeConnectors(): Promise<void> {
  const all = [...instances.values()];
  instances.clear();
  await Promise.all(all.map((entry) => entry.connector.close().catch(() => undefined)));
}

/**
 * The person's own login in a target, for role elevation. Keycard derives it from the email's local
 * part (lower-case letters, digits and underscores), the convention documented in docs/connectors.md.
 */
export function targetLoginFor(email: string | null, name: string): string {
  const base = (email?.split("@")[0] ?? name).toLowerCase().replace(/[^a-z0-9_]/g, "_").replace(/^[^a-z_]+/, "");
  return (base || "user").slice(0, 48);
}

export interface GrantSpecSource {
  id: string;
  endsAt: Date;
  identity: { id: string; email: string | null; name: string };
  accessLevel: { mode: ProvisioningMode; privilege: unknown };
  resource: { target: unknown };
}

export function grantSpecFor(grant: GrantSpecSource, options: { rotateCredential?: boolean } = {}): GrantSpec {
  return {
    grantId: grant.id,
    mode: grant.accessLevel.mode,
    privilege: grant.accessLevel.privilege,
    target: grant.resource.target,
    endsAt: grant.endsAt,
    subject: {
      identityId: grant.identity.id,
      email: grant.identity.email ?? "",
      name: grant.identity.name,
      ...(grant.accessLevel.mode === "ROLE_ELEVATION" ? { targetLogin: targetLoginFor(grant.identity.email, grant.identity.name) } : {}),
    },
    ...(options.rotateCredential ? { rotateCredential: true } : {}),
  };
}

/** What every provisioning step loads about a grant. */
export const grantSpecSelect = {
  id: true,
  status: true,
  endsAt: true,
  startsAt: true,
  attempts: true,
  revocationReason: true,
  revokeRequestedAt: true,
  credentialCiphertext: true,
  failureAlertedAt: true,
  breakGlass: true,
  requestId: true,
  resourceId: true,
  identity: { select: { id: true, email: true, name: true } },
  accessLevel: { select: { mode: true, privilege: true, name: true } },
  resource: { select: { target: true, name: true, connectorId: true } },
} as const;
