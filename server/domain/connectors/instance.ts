import { createHash } from "node:crypto";
import { createConnector } from "@/server/connectors";
import type { Connector, GrantSpec } from "@/server/connectors/types";
import { decryptSecret } from "@/server/crypto";
import type { DbOrTx } from "@/server/db";
import { Prisma, type Connector as ConnectorRow, type ProvisioningMode } from "@/server/generated/prisma/client";
import { DomainError } from "@/server/errors";

export type ConnectorRowLike = Pick<ConnectorRow, "id" | "kind" | "settings" | "secretCiphertext">;

/**
 * Live connector instances, one per connector row and configuration, so their connection pools are
 * reused across grants; a changed configuration gets a fresh instance and the old one is closed. The
 * version is the configuration itself, not updatedAt: recording a health check touches the row, and
 * that must not close a pool that revocations are using at that moment.
 */
const instances = new Map<string, { version: string; connector: Connector }>();

function configVersion(row: ConnectorRowLike): string {
  return createHash("sha256").update(JSON.stringify([row.kind, row.settings, row.secretCiphertext])).digest("hex");
}

export function connectorFromRow(row: ConnectorRowLike): Connector {
  const cached = instances.get(row.id);
  const version = configVersion(row);
  if (cached && cached.version === version) return cached.connector;
  if (cached) void cached.connector.close().catch(() => undefined);
  const secret = row.secretCiphertext ? (JSON.parse(decryptSecret(row.secretCiphertext, row.id)) as unknown) : {};
  const connector = createConnector(row.kind, row.settings, secret);
  instances.set(row.id, { version, connector });
  return connector;
}

export async function connectorRowForResource(db: DbOrTx, resourceId: string): Promise<ConnectorRow> {
  const resource = await db.resource.findUnique({ where: { id: resourceId }, select: { connector: true, name: true } });
  if (!resource?.connector) throw new DomainError("VALIDATION", `${resource?.name ?? "This resource"} has no connector configured.`);
  return resource.connector;
}

export async function connectorForResource(db: DbOrTx, resourceId: string): Promise<Connector> {
  return connectorFromRow(await connectorRowForResource(db, resourceId));
}

/** Connector rows by id, one query for a batch of grants. */
export async function connectorRows(db: DbOrTx, ids: readonly (string | null)[]): Promise<Map<string, ConnectorRow>> {
  const wanted = [...new Set(ids.filter((id): id is string => Boolean(id)))];
  if (!wanted.length) return new Map();
  const rows = await db.connector.findMany({ where: { id: { in: wanted } } });
  return new Map(rows.map((row) => [row.id, row]));
}

/** Closes every live connector (tests, shutdown). */
export async function closeConnectors(): Promise<void> {
  const all = [...instances.values()];
  instances.clear();
  await Promise.all(all.map((entry) => entry.connector.close().catch(() => undefined)));
}

/**
 * How many calls run against one target at once: its pool size. More would only wait inside the
 * driver's pool, where a burst of multi-step revokes interleaves and every one of them finishes late;
 * bounded here, they finish one after another and the earliest ends are removed first.
 */
export function connectorConcurrency(row: Pick<ConnectorRow, "kind" | "settings">): number {
  const poolSize = (row.settings as { poolSize?: unknown } | null)?.poolSize;
  if (typeof poolSize === "number" && Number.isInteger(poolSize) && poolSize > 0) return Math.min(poolSize, 32);
  return row.kind === "WEBHOOK" ? 8 : 4;
}

class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(public max: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}

const limiters = new Map<string, Limiter>();

/** Runs one call against a connector's target, within the process-wide concurrency of that connector. */
export function withConnector<T>(row: ConnectorRowLike, work: (connector: Connector) => Promise<T>): Promise<T> {
  const max = connectorConcurrency(row);
  let limiter = limiters.get(row.id);
  if (!limiter) limiters.set(row.id, (limiter = new Limiter(max)));
  limiter.max = max;
  return limiter.run(() => work(connectorFromRow(row)));
}

/** Who a login in a target belongs to: an identity's email, name and admin-set login, if any. */
export interface LoginSource {
  email: string | null;
  name: string;
  targetLogin: string | null;
}

/** The columns targetLoginFor reads. */
export const loginSourceSelect = { email: true, name: true, targetLogin: true } as const;

/**
 * The identity's own login in a target, for role elevation: the one an admin set, or else the email's
 * local part (lower-case letters, digits and underscores; a machine without email: its name), the
 * convention documented in docs/connectors.md.
 */
export function targetLoginFor(identity: LoginSource): string {
  if (identity.targetLogin) return identity.targetLogin;
  const base = (identity.email?.split("@")[0] ?? identity.name).toLowerCase().replace(/[^a-z0-9_]/g, "_").replace(/^[^a-z_]+/, "");
  return (base || "user").slice(0, 48);
}

/**
 * The account in the target that a request's access elevates, for the people deciding it: none for a
 * temporary login; an extension's grant keeps the login it was provisioned to; otherwise the requester's own.
 */
export function elevatedLoginOf(mode: ProvisioningMode, requester: LoginSource, extendedGrantLogin: string | null): string | null {
  if (mode !== "ROLE_ELEVATION") return null;
  return extendedGrantLogin ?? targetLoginFor(requester);
}

export interface GrantSpecSource {
  id: string;
  endsAt: Date;
  /** The login a role elevation was provisioned to (null before it was). */
  targetLogin: string | null;
  identity: { id: string } & LoginSource;
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
      ...(grant.accessLevel.mode === "ROLE_ELEVATION" ? { targetLogin: grant.targetLogin ?? targetLoginFor(grant.identity) } : {}),
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
  credentialRevealedAt: true,
  failureAlertedAt: true,
  lastError: true,
  breakGlass: true,
  requestId: true,
  resourceId: true,
  targetLogin: true,
  identity: { select: { id: true, email: true, name: true, targetLogin: true } },
  accessLevel: { select: { mode: true, privilege: true, name: true } },
  resource: { select: { target: true, name: true, connectorId: true } },
} as const;

/** A grant as provisioning, revocation and reconciliation read it (grantSpecSelect's shape). */
export type GrantSpecRow = Prisma.GrantGetPayload<{ select: typeof grantSpecSelect }>;

/**
 * Grants by id in grantSpecSelect's shape, in one statement (the ORM's select is four: the grant, then
 * each relation); `lock` takes their row locks. Every grant provisioned or revoked is read this way at
 * least once, so it is on the lifecycle's hot path (docs/api.md, "Performance"). Missing ids are absent.
 */
export function grantSpecsByIds(db: DbOrTx, ids: readonly string[], options: { lock?: boolean } = {}): Promise<GrantSpecRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.$queryRaw<GrantSpecRow[]>`
    SELECT g.id, g.status::text AS status, g."endsAt", g."startsAt", g.attempts, g."revocationReason"::text AS "revocationReason",
           g."revokeRequestedAt", g."credentialCiphertext", g."credentialRevealedAt", g."failureAlertedAt", g."lastError",
           g."breakGlass", g."requestId", g."resourceId", g."targetLogin",
           json_build_object('id', i.id, 'email', i.email, 'name', i.name, 'targetLogin', i."targetLogin") AS identity,
           json_build_object('mode', a.mode, 'privilege', a.privilege, 'name', a.name) AS "accessLevel",
           json_build_object('target', r.target, 'name', r.name, 'connectorId', r."connectorId") AS resource
      FROM "Grant" g
      JOIN "Identity" i ON i.id = g."identityId"
      JOIN "AccessLevel" a ON a.id = g."accessLevelId"
      JOIN "Resource" r ON r.id = g."resourceId"
     WHERE g.id = ANY(${[...ids]}::uuid[])
     ORDER BY g.id
     ${options.lock ? Prisma.sql`FOR UPDATE OF g` : Prisma.empty}`;
}

/** One grant by id in grantSpecSelect's shape, or null. */
export async function grantSpecById(db: DbOrTx, id: string, options: { lock?: boolean } = {}): Promise<GrantSpecRow | null> {
  return (await grantSpecsByIds(db, [id], options))[0] ?? null;
}
