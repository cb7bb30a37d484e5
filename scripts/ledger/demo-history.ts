import path from "node:path";
import { pathToFileURL } from "node:url";
import { database } from "@/server/db";
import { insertSyntheticEvents } from "@/server/ledger/testing";

/**
 * `npx tsx scripts/ledger/demo-history.ts [events=5000] [days=90]` — gives a fresh embedded database
 * (KEYCARD_DATA_DIR) months of realistic ledger history, so that the auditor's ledger has something to
 * search in a demo. History can only be written before anything else: appends take the database clock,
 * so run it on an empty data folder, then the demo seed (`npm run db:seed`), then the portal.
 */
async function main(): Promise<number> {
  const events = Number(process.argv[2] ?? 5_000);
  const days = Number(process.argv[3] ?? 90);
  const db = database();
  await db.migrate();
  const existing = await db.prisma.ledgerEvent.count();
  if (existing > 0) {
    console.error(`demo-history: the ledger already has ${existing} events; history can only be added to an empty one`);
    return 1;
  }
  const until = new Date(Date.now() - 3_600_000);
  await insertSyntheticEvents(db.prisma, { count: events, from: new Date(until.getTime() - days * 86_400_000), until, seed: 2026 });
  console.log(`demo-history: ${events} events over the last ${days} days written to ${db.location}`);
  await db.close();
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().then((code) => process.exit(code), (error: unknown) => {
    console.error(`demo-history: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
