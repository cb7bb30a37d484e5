import type { Db } from "@/server/db";
import type { Prisma } from "@/server/generated/prisma/client";
import { canonicalJson } from "@/server/ledger/canonical";
import { GENESIS_HASH } from "@/server/ledger/hash";
import {
  createPopulation,
  createRandom,
  generateEvents,
  type ChainHead,
  type SyntheticPopulation,
  type SyntheticEvent,
} from "@/scripts/ledger/synthetic";

/**
 * Test support: history Keycard's own code cannot write (events dated last month), and tampering done
 * the way a database superuser would do it.
 */

export async function chainHead(db: Db): Promise<ChainHead> {
  const head = await db.ledgerEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true, hash: true, occurredAt: true } });
  return head ?? { seq: 0n, hash: GENESIS_HASH, occurredAt: new Date(0) };
}

/** Appends `count` realistic, correctly chained events dated within [from, until) after the current head. */
export async function insertSyntheticEvents(
  db: Db,
  options: { count: number; from: Date; until: Date; seed?: number; population?: SyntheticPopulation; format?: number },
): Promise<{ events: SyntheticEvent[]; population: SyntheticPopulation }> {
  const random = createRandom(options.seed ?? 1);
  const population = options.population ?? createPopulation(random, 40, 12);
  const head = await chainHead(db);
  const events: SyntheticEvent[] = [];
  for (const batch of generateEvents({ population, random, head, from: options.from, until: options.until, count: options.count, format: options.format }, 500)) {
    await insertEvents(db, batch);
    events.push(...batch);
  }
  return { events, population };
}

export async function insertEvents(db: Db, events: readonly SyntheticEvent[]): Promise<void> {
  // Keys in canonical order: the ORM writes JSON.stringify's text, which is then the canonical text the
  // ledger stores (a non-canonical text would still verify, through the slower path).
  await db.ledgerEvent.createMany({ data: events.map((e) => ({ ...e, data: JSON.parse(canonicalJson(e.data)) as Prisma.InputJsonValue })) });
}

/** Runs statements with the ledger's immutability triggers off, as a superuser tampering by hand would. */
export async function asSuperuser(db: Db, ...statements: string[]): Promise<void> {
  await db.$executeRawUnsafe(`ALTER TABLE "LedgerEvent" DISABLE TRIGGER USER`);
  try {
    for (const statement of statements) await db.$executeRawUnsafe(statement);
  } finally {
    await db.$executeRawUnsafe(`ALTER TABLE "LedgerEvent" ENABLE TRIGGER USER`);
  }
}
