"use client";

import { useRouter } from "next/navigation";
import { useId, useRef, useState } from "react";
import { Button } from "@/app/_components/ui";
import { formatBytes } from "@/app/(portal)/ledger/ledger-url";

type Format = "csv" | "jsonl" | "ocsf";

type ExportState =
  | { phase: "idle" }
  | { phase: "running"; bytes: number; rows: number; expected: number; exact: boolean }
  | { phase: "done"; bytes: number; rows: number; sha256: string | null; incomplete: boolean; fileName: string; fileUrl: string; manifestUrl: string }
  | { phase: "error"; message: string };

const FORMATS: { value: Format; label: string }[] = [
  { value: "csv", label: "CSV" },
  { value: "jsonl", label: "JSON Lines" },
  { value: "ocsf", label: "OCSF 1.8 (JSON Lines)" },
];

/** Received bytes are handed to the browser's blob store in parts of this size (see below). */
const PART_BYTES = 4 * 1024 * 1024;

/**
 * Exports the current search. The file streams from the server in constant memory; here a stream
 * reader counts bytes and lines as they arrive for the progress bar, then hands the file to the
 * browser. What has arrived is moved into a Blob every few megabytes, so the page's own memory stays
 * flat however large the export (the browser keeps big blobs on disk). Lines only approximate rows
 * while it runs (a CSV cell may hold a newline); the count and digest shown at the end are the signed
 * manifest's, which is also a separate download (digest, chain range, checkpoint, public key).
 */
export function ExportPanel({ query }: { query: string }) {
  const [format, setFormat] = useState<Format>("csv");
  const [bom, setBom] = useState(false);
  const [state, setState] = useState<ExportState>({ phase: "idle" });
  const abort = useRef<AbortController | null>(null);
  const router = useRouter();
  const ids = { format: useId(), bom: useId(), progress: useId() };

  async function run() {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    const url = `/api/ledger/export?${query ? `${query}&` : ""}format=${format}${format === "csv" && bom ? "&bom=1" : ""}`;
    setState({ phase: "running", bytes: 0, rows: 0, expected: 0, exact: true });
    try {
      const response = await fetch(url, { signal: controller.signal });
      if (!response.ok || !response.body) {
        const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
        setState({ phase: "error", message: body?.error?.message ?? `The export failed (HTTP ${response.status}).` });
        return;
      }
      const expected = Number(response.headers.get("X-Keycard-Export-Rows") ?? 0);
      const exact = response.headers.get("X-Keycard-Export-Rows-Exact") === "true";
      const fileName = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ?? `ledger.${format}`;
      const manifestUrl = response.headers.get("X-Keycard-Manifest") ?? "";
      const reader = response.body.getReader();
      const parts: Blob[] = [];
      let chunks: Uint8Array<ArrayBuffer>[] = [];
      let pending = 0;
      let bytes = 0;
      let lines = 0;
      const rowsSoFar = () => (format === "csv" ? Math.max(0, lines - 1) : lines);
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        pending += value.length;
        bytes += value.length;
        if (pending >= PART_BYTES) {
          parts.push(new Blob(chunks));
          chunks = [];
          pending = 0;
        }
        for (let i = 0; i < value.length; i++) if (value[i] === 10) lines++;
        setState({ phase: "running", bytes, rows: rowsSoFar(), expected, exact });
      }
      parts.push(new Blob(chunks));
      const blob = new Blob(parts, { type: response.headers.get("Content-Type") ?? "application/octet-stream" });
      const fileUrl = URL.createObjectURL(blob);
      const manifest = manifestUrl ? ((await fetch(manifestUrl).then((r) => (r.ok ? r.json() : null)).catch(() => null)) as { rows?: number; sha256?: string; bytes?: number } | null) : null;
      // The manifest describes the file the server wrote; a file cut short on the way is not that file.
      const incomplete = manifest?.bytes !== undefined && manifest.bytes !== bytes;
      setState({ phase: "done", bytes, rows: manifest?.rows ?? rowsSoFar(), sha256: manifest?.sha256 ?? null, incomplete, fileName, fileUrl, manifestUrl });
      // Hand the file to the browser at once; the link stays for a second copy.
      const link = document.createElement("a");
      link.href = fileUrl;
      link.download = fileName;
      link.click();
      // The export signed a checkpoint and recorded itself in the ledger: show the fresh status.
      router.refresh();
    } catch (error) {
      if ((error as Error).name === "AbortError") setState({ phase: "idle" });
      else setState({ phase: "error", message: "The export was interrupted. Check your connection and try again." });
    }
  }

  const percent = state.phase === "running" && state.expected > 0 ? Math.min(100, Math.round((state.rows / state.expected) * 100)) : null;
  return (
    <div className="grid gap-2">
      <div className="flex flex-wrap items-end gap-2">
        <div>
          <label htmlFor={ids.format} className="mb-1 block text-xs font-medium text-slate-600 dark:text-slate-400">Export format</label>
          <select id={ids.format} value={format} onChange={(e) => setFormat(e.target.value as Format)} className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900">
            {FORMATS.map((f) => (
              <option key={f.value} value={f.value}>{f.label}</option>
            ))}
          </select>
        </div>
        {format === "csv" ? (
          <label htmlFor={ids.bom} className="flex items-center gap-1.5 pb-1.5 text-sm">
            <input id={ids.bom} type="checkbox" checked={bom} onChange={(e) => setBom(e.target.checked)} /> Byte order mark (for Excel)
          </label>
        ) : null}
        <Button onClick={run} disabled={state.phase === "running"}>{state.phase === "running" ? "Exporting…" : "Export"}</Button>
        {state.phase === "running" ? (
          <Button variant="secondary" onClick={() => abort.current?.abort()}>Cancel</Button>
        ) : null}
      </div>
      <div role="status" aria-live="polite" className="text-sm">
        {state.phase === "running" ? (
          <div className="grid gap-1">
            <progress id={ids.progress} max={100} value={percent ?? undefined} className="h-2 w-full max-w-md accent-brand-600" aria-label="Export progress" />
            <span className="text-xs text-slate-600 dark:text-slate-400">
              {state.rows.toLocaleString("en")} rows{state.expected ? ` of ${state.exact ? "" : "about "}${state.expected.toLocaleString("en")}` : ""} · {formatBytes(state.bytes)} received
            </span>
          </div>
        ) : null}
        {state.phase === "done" && state.incomplete ? (
          <p className="text-red-700 dark:text-red-300">
            The download was cut short: {formatBytes(state.bytes)} arrived where the signed manifest lists more. Export again; this copy will not pass the offline check.
          </p>
        ) : null}
        {state.phase === "done" && !state.incomplete ? (
          <p className="text-emerald-800 dark:text-emerald-300">
            <span aria-hidden="true">✓ </span>Exported {state.rows.toLocaleString("en")} rows ({formatBytes(state.bytes)}{state.sha256 ? <>, SHA-256 <code className="text-xs" title={state.sha256}>{state.sha256.slice(0, 12)}…</code></> : null}).{" "}
            <a href={state.fileUrl} download={state.fileName} className="underline">{state.fileName}</a>
            {" · "}
            <a href={state.manifestUrl} className="underline">Signed manifest</a>
          </p>
        ) : null}
        {state.phase === "error" ? <p className="text-red-700 dark:text-red-300">{state.message}</p> : null}
      </div>
    </div>
  );
}
