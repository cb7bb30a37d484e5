// @ts-check
/**
 * The process that writes a CSV export on PostgreSQL (docs/ledger.md, "Exports"): the portal authorises the
 * export, builds the COPY statement and spawns this script, which streams the file to its stdout while
 * the portal forwards the bytes to the client. A separate process because a large export is minutes of
 * streaming and hashing that should not share the portal's event loop, and because its memory is then
 * its own: Node and the pg driver, about a third of what the portal holds before it serves anything.
 *
 * Plain JavaScript with nothing of the project imported, so that `node` runs it as it is under the
 * development server, the production build, tests and benchmarks alike.
 *
 * stdin:  one JSON object `{ url, statement, header }` (the connection string stays off argv and env).
 * stdout: the file — `header`, then the rows PostgreSQL writes for `statement` (a `COPY … TO STDOUT`).
 * fd 3:   when the file is complete, one JSON line `{ rows, bytes, sha256, peakRssMb }`.
 * A failure is one line on stderr and exit code 1; SIGTERM (the client went away) ends the process, and
 * with its connection the COPY.
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import fs from "node:fs";
import process from "node:process";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import copyStreams from "pg-copy-streams";

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

async function main() {
  /** @type {{ url: string, statement: string, header: string }} */
  const input = JSON.parse(await readStdin());
  const client = new pg.Client({ connectionString: input.url, application_name: "keycard-export" });
  await client.connect();
  const hash = createHash("sha256");
  let bytes = 0;
  const counted = new Transform({
    transform(chunk, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  const header = Buffer.from(input.header, "utf8");
  counted.write(header);
  const rows = client.query(copyStreams.to(input.statement));
  await pipeline(rows, counted, process.stdout);
  await client.end();
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  fs.writeSync(3, `${JSON.stringify({ rows: rows.rowCount, bytes, sha256: hash.digest("hex"), peakRssMb })}\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
