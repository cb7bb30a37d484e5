import path from "node:path";
import fs from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { env } from "@/server/env";

/**
 * The embedded default's provisioning target: a PGlite database served over the PostgreSQL wire protocol
 * on 127.0.0.1, so the PostgreSQL connector does real CREATE ROLE / GRANT / REVOKE against it with no
 * server installed. Limits (stack notes): single-user underneath (logins are not authenticated) and
 * sessions cannot be cut, so those guarantees are shown against a real PostgreSQL server instead.
 */

/** What the demo target contains: the tables and roles the demo resources map to. */
export const demoTargetSchema = `
CREATE TABLE IF NOT EXISTS orders (id serial PRIMARY KEY, customer text NOT NULL, total_cents int NOT NULL, created_at timestamptz DEFAULT now());
CREATE TABLE IF NOT EXISTS payments (id serial PRIMARY KEY, order_id int NOT NULL, status text NOT NULL);
CREATE TABLE IF NOT EXISTS analytics_events (id bigserial PRIMARY KEY, name text NOT NULL, at timestamptz DEFAULT now());
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'orders_read') THEN CREATE ROLE orders_read NOLOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'orders_write') THEN CREATE ROLE orders_write NOLOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'payments_admin') THEN CREATE ROLE payments_admin NOLOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'analytics_read') THEN CREATE ROLE analytics_read NOLOGIN; END IF;
END $$;
GRANT SELECT ON orders, payments TO orders_read;
GRANT SELECT, INSERT, UPDATE, DELETE ON orders TO orders_write;
GRANT ALL ON payments TO payments_admin;
GRANT SELECT ON analytics_events TO analytics_read;
`;

const globalForTarget = globalThis as unknown as { keycardDemoTarget?: PGLiteSocketServer };

export async function startDemoTarget(): Promise<{ port: number }> {
  const config = env();
  const port = config.KEYCARD_DEMO_TARGET_PORT;
  if (globalForTarget.keycardDemoTarget) return { port };
  const dir = path.join(config.KEYCARD_DATA_DIR, "demo-target");
  fs.mkdirSync(path.dirname(path.resolve(dir)), { recursive: true });
  const db = new PGlite(dir);
  await db.exec(demoTargetSchema);
  const server = new PGLiteSocketServer({ db, port, host: "127.0.0.1", maxConnections: 16 });
  await server.start();
  globalForTarget.keycardDemoTarget = server;
  console.log(`[keycard] demo PostgreSQL target on 127.0.0.1:${port}`);
  return { port };
}
