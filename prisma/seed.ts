import net from "node:net";
import { systemActor } from "@/server/actor";
import { encryptSecret } from "@/server/crypto";
import { database, type Db } from "@/server/db";
import { env } from "@/server/env";
import type { Prisma } from "@/server/generated/prisma/client";
import { appendLedgerEvent } from "@/server/ledger";
import { seedDemoActivity } from "./demo-activity";
import {
  seedApproverGroups,
  seedMachines,
  seedOnCall,
  seedPeople,
  seedResources,
  seedTeams,
  seedTierPolicies,
} from "./seed-data";

/**
 * Creates the demo organisation, idempotently: every row is found by a natural key (email, slug) and
 * created only when missing, so running it again changes nothing.
 */
export async function seedDemo(db: Db, options: { demoTargetPort: number; log?: (line: string) => void } = { demoTargetPort: 54329 }) {
  const log = options.log ?? (() => undefined);
  const actor = systemActor("seed");
  let created = 0;

  const groupIds = new Map<string, string>();
  for (const team of seedTeams) {
    const group = await db.group.upsert({ where: { slug: team.slug }, update: {}, create: { ...team, kind: "TEAM" } });
    groupIds.set(team.slug, group.id);
  }
  for (const approvers of seedApproverGroups) {
    const group = await db.group.upsert({ where: { slug: approvers.slug }, update: {}, create: { ...approvers, kind: "APPROVERS" } });
    groupIds.set(approvers.slug, group.id);
  }

  const personIds = new Map<string, string>();
  for (const p of seedPeople) {
    const existing = await db.identity.findUnique({ where: { email: p.email } });
    const identity =
      existing ??
      (await db.identity.create({ data: { kind: "HUMAN", name: p.name, email: p.email, title: p.title, roles: p.roles, timeZone: "Europe/Berlin" } }));
    if (!existing) created++;
    personIds.set(p.name, identity.id);
    const memberships = [
      { groupId: groupIds.get(p.team)!, isLead: Boolean(p.lead) },
      ...(p.approverGroups ?? []).map((slug) => ({ groupId: groupIds.get(slug)!, isLead: false })),
    ];
    await db.groupMembership.createMany({
      data: memberships.map((m) => ({ ...m, identityId: identity.id })),
      skipDuplicates: true,
    });
  }

  for (const m of seedMachines) {
    const existing = await db.identity.findFirst({ where: { kind: "MACHINE", name: m.name } });
    if (!existing) {
      await db.identity.create({ data: { kind: "MACHINE", name: m.name, title: m.title, roles: ["REQUESTER"], ownerId: personIds.get(m.owner) } });
      created++;
    }
  }

  // Weekly shifts from two weeks ago to two weeks ahead, so someone is always on call "now".
  const weekMs = 7 * 24 * 3600_000;
  const anchor = Math.floor(Date.now() / weekMs) * weekMs;
  for (const rotation of seedOnCall) {
    const groupId = groupIds.get(rotation.team)!;
    const hasShifts = await db.onCallShift.count({ where: { groupId, endsAt: { gt: new Date() } } });
    if (hasShifts) continue;
    const shifts = [-2, -1, 0, 1, 2].map((offset, i) => ({
      groupId,
      identityId: personIds.get(rotation.rotation[(i + rotation.rotation.length) % rotation.rotation.length]!)!,
      startsAt: new Date(anchor + offset * weekMs),
      endsAt: new Date(anchor + (offset + 1) * weekMs),
    }));
    await db.onCallShift.createMany({ data: shifts });
  }

  const connectorIds = new Map<string, string>();
  const connectors: { slug: string; name: string; kind: "POSTGRES" | "MARIADB" | "REDIS" | "WEBHOOK"; settings: Prisma.InputJsonValue; secret: Record<string, string> }[] = [
    {
      slug: "demo-postgres",
      name: "Demo PostgreSQL",
      kind: "POSTGRES",
      settings: { host: "127.0.0.1", port: options.demoTargetPort, database: "postgres", user: "postgres", ssl: false },
      secret: { password: "" },
    },
    {
      slug: "support-automation",
      name: "Support automation (webhook)",
      kind: "WEBHOOK",
      settings: { url: "http://127.0.0.1:8787/keycard" },
      secret: { signingSecret: "demo-webhook-secret-change-me" },
    },
  ];
  // Where MariaDB and Redis run on this machine, demo resources point at them too.
  if (await reachable("127.0.0.1", 6379)) {
    connectors.push({ slug: "local-redis", name: "Local Redis", kind: "REDIS", settings: { host: "127.0.0.1", port: 6379 }, secret: { password: "" } });
  }
  // The local PostgreSQL server as a discovery target (no resources: its standing privileges show in the
  // report, and converting one to JIT makes it requestable).
  if (await reachable("127.0.0.1", 5432)) {
    connectors.push({ slug: "local-postgres", name: "Local PostgreSQL", kind: "POSTGRES", settings: { host: "127.0.0.1", port: 5432, database: "postgres", user: "postgres", ssl: false }, secret: { password: "" } });
  }
  if (await reachable("127.0.0.1", 3306)) {
    connectors.push({ slug: "local-mariadb", name: "Local MariaDB", kind: "MARIADB", settings: { host: "127.0.0.1", port: 3306, user: "root" }, secret: { password: "" } });
  }
  for (const c of connectors) {
    let connector = await db.connector.findUnique({ where: { slug: c.slug } });
    if (!connector) {
      connector = await db.connector.create({ data: { slug: c.slug, name: c.name, kind: c.kind, settings: c.settings } });
      // The ciphertext is bound to the connector's id, so it cannot be copied onto another row.
      await db.connector.update({ where: { id: connector.id }, data: { secretCiphertext: encryptSecret(JSON.stringify(c.secret), connector.id) } });
      created++;
    }
    connectorIds.set(c.slug, connector.id);
  }

  const resources = [...seedResources];
  if (connectorIds.has("local-redis")) {
    resources.push({
      slug: "session-cache",
      name: "Session cache (Redis)",
      description: "Customer sessions. Read access to debug login problems.",
      tier: 2,
      tags: ["redis", "sessions", "production"],
      environment: "production",
      connector: "local-redis",
      target: { keyPattern: "session:*" },
      ownerGroup: "platform-approvers",
      fallbackGroup: "security-oncall",
      levels: [
        { key: "read", name: "Read", mode: "EPHEMERAL_CREDENTIAL", privilege: { keys: ["session:*"], categories: ["+@read"] }, riskWeight: 10 },
        { key: "write", name: "Write", mode: "EPHEMERAL_CREDENTIAL", privilege: { keys: ["session:*"], categories: ["+@read", "+@write"] }, riskWeight: 25 },
      ],
    });
  }
  if (connectorIds.has("local-mariadb")) {
    resources.push({
      slug: "billing-mariadb",
      name: "Billing database (MariaDB)",
      description: "Invoices and subscriptions.",
      tier: 2,
      tags: ["billing", "mariadb", "production"],
      environment: "production",
      connector: "local-mariadb",
      target: { database: "keycard_demo_billing" },
      ownerGroup: "payments-owners",
      fallbackGroup: "security-oncall",
      levels: [{ key: "read", name: "Read", mode: "EPHEMERAL_CREDENTIAL", privilege: { privileges: ["SELECT"] }, riskWeight: 10 }],
    });
  }
  for (const r of resources) {
    const exists = await db.resource.findUnique({ where: { slug: r.slug } });
    if (exists) continue;
    await db.resource.create({
      data: {
        slug: r.slug,
        name: r.name,
        description: r.description,
        tier: r.tier,
        tags: r.tags,
        environment: r.environment,
        timeZone: "Europe/Berlin",
        target: r.target,
        connectorId: connectorIds.get(r.connector),
        ownerGroupId: groupIds.get(r.ownerGroup),
        fallbackGroupId: groupIds.get(r.fallbackGroup),
        accessLevels: { create: r.levels.map((l) => ({ ...l, privilege: l.privilege as Prisma.InputJsonValue })) },
      },
    });
    created++;
  }

  for (const p of seedTierPolicies) {
    const exists = await db.policy.findUnique({ where: { tier: p.tier } });
    if (exists) continue;
    await db.$transaction(async (tx) => {
      const policy = await tx.policy.create({ data: { name: p.name, tier: p.tier } });
      const version = await tx.policyVersion.create({ data: { policyId: policy.id, version: 1, rules: p.rules as unknown as Prisma.InputJsonValue, note: "Demo default" } });
      await tx.policy.update({ where: { id: policy.id }, data: { currentVersionId: version.id } });
      await appendLedgerEvent(tx, {
        action: "policy/policy.changed",
        actor,
        subject: { type: "policy", id: policy.id },
        summary: `${p.name}: version 1`,
        data: { version: 1, tier: p.tier },
      });
    });
    created++;
  }

  if (created > 0) {
    await db.$transaction((tx) =>
      appendLedgerEvent(tx, {
        action: "system/demo.seeded",
        actor,
        subject: { type: "system", id: "demo" },
        summary: `Demo organisation seeded (${created} records created)`,
        data: { created },
      }),
    );
  }
  log(created > 0 ? `seeded the demo organisation (${created} records created)` : "demo organisation already present; nothing changed");
  return { created };
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 500 });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function main() {
  const config = env();
  const db = database();
  const applied = await db.migrate();
  if (applied.length) console.log(`[seed] applied ${applied.length} migration(s) to the ${db.kind} database`);
  const log = (line: string) => console.log(`[seed] ${line}`);
  await seedDemo(db.prisma, { demoTargetPort: config.KEYCARD_DEMO_TARGET_PORT, log });
  if (process.argv.includes("--with-activity")) await seedDemoActivity(db.prisma, log);
  await db.close();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main()
    .then(() => process.exit(0))
    .catch((error: unknown) => {
      console.error(`[seed] failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    });
}
