import Link from "next/link";
import { DateTime } from "@/app/_components/format";
import { StatusBadge } from "@/app/_components/status-badge";
import { Badge } from "@/app/_components/ui";
import { DrawerFrame } from "@/app/(portal)/ledger/drawer-frame";
import { ledgerHref } from "@/app/(portal)/ledger/ledger-url";
import { ActorLabel, timelineHref, type LedgerRowView } from "@/app/(portal)/ledger/results";

export interface EventDetailView {
  event: LedgerRowView & { id: string; subjectType: string; subjectId: string | null; actorId: string | null; data: unknown; prevHash: string; format: number };
  integrity: { hashMatches: boolean; linksToPrevious: boolean; linkedFromNext: boolean | null };
  previous: LedgerRowView | null;
  next: LedgerRowView | null;
  coveredBy: { seq: string; occurredAt: Date } | null;
}

/** What each format's hash is computed over, in a few words (docs/ledger.md, "Event format"). */
const HASHED_AS: Record<number, string> = {
  1: "format 1 — canonical JSON of the event",
  2: "format 2 — the event's fields, each ended by a NUL byte",
  3: "format 3 — a header of field lengths, then the fields",
};

function Check({ ok, children }: { ok: boolean | null; children: string }) {
  if (ok === null) return <li className="text-slate-500 dark:text-slate-400">— {children}</li>;
  return (
    <li className={ok ? "text-emerald-800 dark:text-emerald-300" : "font-medium text-red-700 dark:text-red-300"}>
      <span aria-hidden="true">{ok ? "✓" : "✗"}</span> {ok ? children : `NOT: ${children}`}
    </li>
  );
}

function Neighbour({ label, event, params }: { label: string; event: LedgerRowView | null; params: URLSearchParams }) {
  if (!event) return <div className="rounded-md border border-dashed border-slate-300 p-2 text-xs text-slate-500 dark:text-slate-400 dark:border-slate-700">{label}: none</div>;
  return (
    <Link href={ledgerHref(params, { event: event.seq })} scroll={false} className="block rounded-md border border-slate-200 p-2 text-xs hover:bg-slate-50 dark:border-slate-800 dark:hover:bg-slate-800">
      <span className="font-medium">{label}: #{event.seq}</span> · {event.actionLabel}
      <span className="mt-0.5 block truncate text-slate-600 dark:text-slate-400">{event.summary}</span>
      <code className="mt-0.5 block truncate text-[11px] text-slate-500 dark:text-slate-400">{event.hash}</code>
    </Link>
  );
}

/** One event in full: its content, its hash and the links on either side of it in the chain. */
export function EventDrawer({ detail, params }: { detail: EventDetailView; params: URLSearchParams }) {
  const e = detail.event;
  const timeline = timelineHref(e);
  const row = "grid grid-cols-[7.5rem_minmax(0,1fr)] gap-x-3 gap-y-1.5 text-sm";
  const dt = "text-slate-500 dark:text-slate-400";
  return (
    <DrawerFrame title={`Event #${e.seq}`} closeHref={ledgerHref(params, { event: undefined })}>
      <div className="grid grid-cols-[minmax(0,1fr)] gap-5">
        <div>
          <p className="text-sm font-medium">{e.actionLabel} <StatusBadge status={e.outcome} /></p>
          <p className="mt-1 text-sm text-slate-700 dark:text-slate-300">{e.summary}</p>
        </div>
        <dl className={row}>
          <dt className={dt}>Time</dt>
          <dd><DateTime value={e.occurredAt} /></dd>
          <dt className={dt}>Actor</dt>
          <dd><ActorLabel type={e.actorType} label={e.actorLabel} /></dd>
          <dt className={dt}>Action</dt>
          <dd><code className="text-xs">{e.action}</code></dd>
          <dt className={dt}>Subject</dt>
          <dd className="break-all text-xs">{e.subjectType}{e.subjectId ? ` ${e.subjectId}` : ""}</dd>
          <dt className={dt}>Resource</dt>
          <dd>{e.resourceName ?? "—"}</dd>
          <dt className={dt}>Event id</dt>
          <dd><code className="break-all text-xs">{e.id}</code></dd>
          {timeline ? (
            <>
              <dt className={dt}>Timeline</dt>
              <dd><Link href={timeline} className="text-brand-700 underline-offset-2 hover:underline dark:text-brand-100">Open the {e.grantId ? "grant" : "request"}&apos;s timeline</Link></dd>
            </>
          ) : null}
        </dl>
        <section aria-labelledby="drawer-data">
          <h3 id="drawer-data" className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400">Data</h3>
          {/* Focusable so that a keyboard can scroll long data. */}
          <pre tabIndex={0} aria-labelledby="drawer-data" className="max-h-64 overflow-auto rounded-md bg-slate-50 p-3 text-xs dark:bg-slate-950">{JSON.stringify(e.data, null, 2)}</pre>
        </section>
        <section aria-labelledby="drawer-chain">
          <h3 id="drawer-chain" className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400">Hash chain</h3>
          <dl className={row}>
            <dt className={dt}>Hash</dt>
            <dd><code className="break-all text-xs">{e.hash}</code></dd>
            <dt className={dt}>Previous hash</dt>
            <dd><code className="break-all text-xs">{e.prevHash}</code></dd>
            <dt className={dt}>Hashed as</dt>
            <dd>{HASHED_AS[e.format] ?? `format ${e.format} — unknown, so nothing can match its hash`}</dd>
          </dl>
          <ul className="mt-2 grid gap-0.5 text-sm">
            <Check ok={detail.integrity.hashMatches}>the hash matches the event&apos;s content</Check>
            <Check ok={detail.integrity.linksToPrevious}>{`it follows event #${BigInt(e.seq) - 1n}`}</Check>
            <Check ok={detail.integrity.linkedFromNext}>{detail.next ? `event #${detail.next.seq} follows it` : "no event after it yet"}</Check>
          </ul>
          <p className="mt-2 text-xs text-slate-600 dark:text-slate-400">
            {detail.coveredBy ? (
              <>Vouched for by signed checkpoint <Link className="underline" href={ledgerHref(params, { event: detail.coveredBy.seq })} scroll={false}>#{detail.coveredBy.seq}</Link> (<DateTime value={detail.coveredBy.occurredAt} />).</>
            ) : (
              <Badge tone="warn">Not yet covered by a signed checkpoint</Badge>
            )}
          </p>
          <div className="mt-3 grid grid-cols-[minmax(0,1fr)] gap-2">
            <Neighbour label="Before" event={detail.previous} params={params} />
            <Neighbour label="After" event={detail.next} params={params} />
          </div>
        </section>
      </div>
    </DrawerFrame>
  );
}
