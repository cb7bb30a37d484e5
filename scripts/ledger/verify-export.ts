import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import yauzl from "yauzl";
import type { ExportManifest } from "@/server/ledger/export/manifest";
import { verifyExport, type ExportCheck } from "@/server/ledger/export/offline-verify";
import { loadOcsfSchema } from "@/server/ledger/export/ocsf-schema";

/**
 * `npm run ledger:verify-export -- <file> [--manifest <file>] [--public-key <base64 | PEM file>] [--ocsf-schema <dir>]`
 *
 * Checks a ledger export against its signed manifest offline (docs/ledger.md, "Checking an export"):
 * the file's digest, the manifest's and checkpoint's Ed25519 signatures, every row's hash, and for an
 * unfiltered export every chain link. The manifest defaults to `<file>.manifest.json`. Given an evidence
 * pack (.zip), it checks the pack's ledger events and every other file's digest against the pack's
 * manifest. Pin the public key Keycard published (`--public-key`): the one inside the manifest only
 * proves that the manifest and the file agree with each other.
 *
 * Exit code 0: verified; 1: not verified; 2: the command could not run.
 */

interface Options {
  file: string;
  manifest?: string;
  publicKey?: string;
  ocsfSchema?: string;
}

function parseArgs(argv: string[]): Options {
  const options: Partial<Options> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const next = argv[++i];
      if (!next) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === "--manifest") options.manifest = value();
    else if (arg === "--public-key") options.publicKey = value();
    else if (arg === "--ocsf-schema") options.ocsfSchema = value();
    else if (arg.startsWith("--")) throw new Error(`unknown option ${arg}`);
    else if (!options.file) options.file = arg;
    else throw new Error(`unexpected argument ${arg}`);
  }
  if (!options.file) throw new Error("name the exported file");
  return options as Options;
}

function readKey(value: string | undefined): string | undefined {
  if (!value) return undefined;
  return fs.existsSync(value) ? fs.readFileSync(value, "utf8") : value;
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => yauzl.open(file, { lazyEntries: true, autoClose: false }, (error, zip) => (error || !zip ? reject(error ?? new Error("not a zip")) : resolve(zip))));
}

/** Each entry of a zip as a name and a stream opener (entries are read one at a time, never all in memory). */
async function zipEntries(zip: yauzl.ZipFile): Promise<Map<string, yauzl.Entry>> {
  const entries = new Map<string, yauzl.Entry>();
  await new Promise<void>((resolve, reject) => {
    zip.on("entry", (entry: yauzl.Entry) => {
      entries.set(entry.fileName, entry);
      zip.readEntry();
    });
    zip.on("end", () => resolve());
    zip.on("error", reject);
    zip.readEntry();
  });
  return entries;
}

function entryStream(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => zip.openReadStream(entry, (error, stream) => (error || !stream ? reject(error ?? new Error("unreadable entry")) : resolve(stream))));
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

async function verifyPack(file: string, options: Options): Promise<{ ok: boolean; checks: ExportCheck[] }> {
  const zip = await openZip(file);
  try {
    const entries = await zipEntries(zip);
    const manifestEntry = entries.get("manifest.json");
    if (!manifestEntry) return { ok: false, checks: [{ name: "manifest", ok: false, detail: "the pack has no manifest.json" }] };
    const manifest = JSON.parse((await readAll(await entryStream(zip, manifestEntry))).toString("utf8")) as ExportManifest;
    const eventsEntry = entries.get(manifest.file);
    if (!eventsEntry) return { ok: false, checks: [{ name: "manifest", ok: false, detail: `the pack has no ${manifest.file}` }] };
    const result = await verifyExport((await entryStream(zip, eventsEntry)) as AsyncIterable<Buffer>, manifest, { publicKey: readKey(options.publicKey) });
    const checks = [...result.checks];
    for (const listed of manifest.files ?? []) {
      const entry = entries.get(listed.name);
      if (!entry) {
        checks.push({ name: listed.name, ok: false, detail: "missing from the pack" });
        continue;
      }
      const hash = createHash("sha256");
      for await (const chunk of await entryStream(zip, entry)) hash.update(chunk as Buffer);
      const digest = hash.digest("hex");
      checks.push({ name: listed.name, ok: digest === listed.sha256, detail: digest === listed.sha256 ? `SHA-256 ${digest}` : `SHA-256 ${digest} is not the manifest's ${listed.sha256}: the file was changed` });
    }
    return { ok: checks.every((check) => check.ok), checks };
  } finally {
    zip.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  let options: Options;
  try {
    options = parseArgs(argv);
  } catch (error) {
    console.error(`ledger:verify-export: ${(error as Error).message}`);
    console.error("usage: npm run ledger:verify-export -- <file> [--manifest <file>] [--public-key <base64 | PEM file>] [--ocsf-schema <dir>]");
    return 2;
  }
  if (!fs.existsSync(options.file)) {
    console.error(`ledger:verify-export: ${options.file} does not exist`);
    return 2;
  }
  let result: { ok: boolean; checks: ExportCheck[] };
  if (options.file.endsWith(".zip")) {
    result = await verifyPack(options.file, options);
  } else {
    const manifestFile = options.manifest ?? `${options.file}.manifest.json`;
    if (!fs.existsSync(manifestFile)) {
      console.error(`ledger:verify-export: no manifest at ${manifestFile} (download it beside the export, or pass --manifest)`);
      return 2;
    }
    const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as ExportManifest;
    const ocsfSchema = options.ocsfSchema ? loadOcsfSchema(path.resolve(options.ocsfSchema)) : undefined;
    result = await verifyExport(fs.createReadStream(options.file), manifest, { publicKey: readKey(options.publicKey), ocsfSchema });
  }
  for (const check of result.checks) console.log(`${check.ok ? "ok  " : "FAIL"} ${check.name}: ${check.detail}`);
  if (!options.publicKey) console.log("note: no --public-key given; the signatures were checked against the key in the manifest itself");
  console.log(result.ok ? `verified: ${options.file}` : `NOT VERIFIED: ${options.file}`);
  return result.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`ledger:verify-export: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(2);
    },
  );
}
