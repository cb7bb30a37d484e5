import Link from "next/link";
import { DateTime } from "@/app/_components/format";
import { StatusBadge } from "@/app/_components/status-badge";
import { Badge, Table, Td, Th, cx } from "@/app/_components/ui";
import { ledgerHref } from "@/app/(portal)/ledger/ledger-url";

export interface LedgerRowView {
  seq: string;
  occurredAt: Date;
  action: string;
  actionLabel: string;
  outcome: string;
  actorType: string;
  actorLabel: string;
  resourceName: string | null;
  requestId: string | null;
  grantId: string | null;
  summary: string;
  hash: string;
}

export function ActorLabel({ type, label }: { type: string; label: string }) {
  return (
    <span className="inline-flex max-w-full items-center gap-1.5">
      {type !== "user" ? <Badge tone={type === "system" ? "info" : "neutral"}>{type === "system" ? "job" : type}</Badge> : null}
      <span className="truncate" title={label}>{type === "system" ? label.replace(/^system:/, "") : label}</span>
    </span>
  );
}

export function timelineHref(event: { grantId: string | null; requestId: string | null }): string | null {
  if (event.grantId) return `/ledger/timeline?grant=${event.grantId}`;
  if (event.requestId) return `/ledger/timeline?request=${event.requestId}`;
  return null;
}

/** The dense results table; a row's number opens the event drawer (kept in the URL as `event`). */
export function LedgerResults({ events, params, openSeq }: { events: LedgerRowView[]; params: URLSearchParams; openSeq: string | null }) {
  return (
    <Table caption="Ledger events matching the search">
      <thead>
        <tr>
          <Th className="w-16">#</Th>
          <Th>Time</Th>
          <Th>Actor</Th>
          <Th>Action</Th>
          <Th>Outcome</Th>
          <Th>Summary</Th>
          <Th>Resource</Th>
          <Th><span className="sr-only">Timeline</span></Th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => {
          const timeline = timelineHref(e);
          const open = openSeq === e.seq;
          return (
            <tr key={e.seq} className={cx(open && "bg-brand-50 dark:bg-slate-800")} aria-current={open ? "true" : undefined}>
              <Td className="tabular-nums">
                <Link href={ledgerHref(params, { event: e.seq })} scroll={false} className="font-medium text-brand-700 underline-offset-2 hover:underline dark:text-brand-100" aria-label={`Event ${e.seq}: details`}>
                  {e.seq}
                </Link>
              </Td>
              <Td className="text-xs"><DateTime value={e.occurredAt} /></Td>
              <Td className="max-w-52 text-xs"><ActorLabel type={e.actorType} label={e.actorLabel} /></Td>
              <Td className="whitespace-nowrap text-xs">
                <span className="block font-medium">{e.actionLabel}</span>
                <code className="text-[11px] text-slate-600 dark:text-slate-400">{e.action}</code>
              </Td>
              <Td><StatusBadge status={e.outcome} /></Td>
              <Td className="min-w-64 text-xs leading-5">
                <span className="line-clamp-2 break-words" title={e.summary}>{e.summary}</span>
              </Td>
              <Td className="text-xs">{e.resourceName ?? <span className="text-slate-500 dark:text-slate-400">—</span>}</Td>
              <Td className="text-xs">{timeline ? <Link href={timeline} className="whitespace-nowrap text-brand-700 underline-offset-2 hover:underline dark:text-brand-100">Timeline</Link> : null}</Td>
            </tr>
          );
        })}
      </tbody>
    </Table>
  );
}

export function Pager({ params, prevCursor, nextCursor, order }: { params: URLSearchParams; prevCursor: string | null; nextCursor: string | null; order: string }) {
  const linkClass = "rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800";
  const disabled = "rounded-md border border-slate-200 px-3 py-1.5 text-sm text-slate-500 dark:border-slate-800 dark:text-slate-400";
  const [back, forward] = order === "asc" ? ["← Older", "Newer →"] : ["← Newer", "Older →"];
  if (!prevCursor && !nextCursor) return null;
  return (
    <nav aria-label="Pages" className="mt-3 flex items-center justify-between">
      {prevCursor ? <Link className={linkClass} href={ledgerHref(params, { cursor: prevCursor, event: undefined })} rel="prev">{back}</Link> : <span className={disabled} aria-disabled="true">{back}</span>}
      {params.get("cursor") ? <Link className="text-sm text-slate-600 underline-offset-2 hover:underline dark:text-slate-400" href={ledgerHref(params, { cursor: undefined, event: undefined })}>First page</Link> : null}
      {nextCursor ? <Link className={linkClass} href={ledgerHref(params, { cursor: nextCursor, event: undefined })} rel="next">{forward}</Link> : <span className={disabled} aria-disabled="true">{forward}</span>}
    </nav>
  );
}
