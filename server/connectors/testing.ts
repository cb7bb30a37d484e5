import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { GrantSpec, ProvisioningMode } from "./types";

/**
 * Helpers for the connector tests (imported by *.test.ts only). Every test names its objects with a
 * fresh suffix and removes them, so runs never collide on the shared CI servers.
 */

export const realServers = {
  postgres: { host: "127.0.0.1", port: 5432, user: "postgres", database: "postgres" },
  mariadb: { host: "127.0.0.1", port: 3306, user: "root" },
  redis: { host: "127.0.0.1", port: 6379 },
} as const;

export function uniqueSuffix(): string {
  return randomBytes(4).toString("hex");
}

/** A port nothing listens on right now (for "unreachable" tests and embedded servers). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function grantSpec(input: {
  mode: ProvisioningMode;
  privilege: unknown;
  target?: unknown;
  grantId?: string;
  targetLogin?: string;
  endsAt?: Date;
  rotateCredential?: boolean;
}): GrantSpec {
  return {
    grantId: input.grantId ?? randomUUID(),
    mode: input.mode,
    privilege: input.privilege,
    target: input.target ?? {},
    subject: { identityId: randomUUID(), email: "ada@example.test", name: "Ada Lovelace", ...(input.targetLogin ? { targetLogin: input.targetLogin } : {}) },
    endsAt: input.endsAt ?? new Date(Date.now() + 60 * 60_000),
    ...(input.rotateCredential ? { rotateCredential: true } : {}),
  };
}

/** Polls until the check passes (targets apply some changes asynchronously, e.g. killed connections). */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function pgAdmin(database: string = realServers.postgres.database): Promise<pg.Client> {
  const client = new pg.Client({ ...realServers.postgres, database });
  await client.connect();
  return client;
}

/**
 * A private PostgreSQL cluster with SCRAM password authentication. The shared server trusts every local
 * login, so wrong passwords, rotated passwords and VALID UNTIL can only be shown on a cluster that checks
 * passwords. initdb takes about a second.
 */
export async function startPasswordCheckedPostgres(): Promise<{ port: number; password: string; stop(): void }> {
  const bin = postgresBinDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keycard-pg-scram-"));
  const password = randomBytes(12).toString("hex");
  const port = await freePort();
  fs.writeFileSync(path.join(dir, "pw"), password);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) execFileSync("chown", ["-R", "postgres", dir]);
  // initdb and postgres refuse to run as root: run them as the postgres system user then.
  const run = (command: string, args: string[]) =>
    asRoot ? execFileSync("runuser", ["-u", "postgres", "--", path.join(bin, command), ...args], { stdio: "pipe" }) : execFileSync(path.join(bin, command), args, { stdio: "pipe" });
  const data = path.join(dir, "data");
  run("initdb", ["-D", data, "-U", "postgres", "--auth=scram-sha-256", `--pwfile=${path.join(dir, "pw")}`, "--no-sync"]);
  run("pg_ctl", ["-D", data, "-w", "-l", path.join(dir, "log"), "-o", `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c fsync=off`, "start"]);
  return {
    port,
    password,
    stop() {
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "stop"]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function postgresBinDir(): string {
  const candidates: string[] = [];
  try {
    candidates.push(execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim());
  } catch {
    // pg_config is optional; fall back to Debian's layout.
  }
  const root = "/usr/lib/postgresql";
  if (fs.existsSync(root)) for (const version of fs.readdirSync(root).sort((a, b) => Number(b) - Number(a))) candidates.push(path.join(root, version, "bin"));
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, "initdb")));
  if (!found) throw new Error("PostgreSQL server binaries (initdb, pg_ctl) not found");
  return found;
}
