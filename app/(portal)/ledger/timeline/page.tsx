import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { DateTime } from "@/app/_components/format";
import { StatusBadge } from "@/app/_components/status-badge";
import { Badge, ButtonLink, Card, EmptyState, PageHeader } from "@/app/_components/ui";
import { ActorLabel } from "@/app/(portal)/ledger/results";
import { ZLedgerTimelineInput } from "@/server/domain/ledger/schema";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "Timeline · Ledger" };

/** One grant or request from start to end, as the ledger recorded it. */
export default async function TimelinePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const trpc = await api();
  const me = await trpc.me.get();
  if (!me.areas.ledger) redirect("/");
  const query = await searchParams;
  const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
  const parsed = ZLedgerTimelineInput.safeParse(one(query.grant) ? { grantId: one(query.grant) } : { requestId: one(query.request) });
  let error: string | null = null;
  let timeline: Awaited<ReturnType<typeof trpc.ledger.timeline>> | null = null;
  if (!parsed.success) error = "Open a timeline from a grant or request in the ledger.";
  else {
    try {
      timeline = await trpc.ledger.timeline(parsed.data);
    } catch (caught) {
      error = caught instanceof Error ? caught.message : "The timeline could not be loaded.";
    }
  }
  const header = timeline?.header;
  const title = header ? `${header.kind === "grant" ? "Grant" : "Request"} timeline` : "Timeline";
  const filterLink = header ? `/ledger?${header.grantId ? `grant=${header.grantId}` : `request=${header.requestId}`}` : "/ledger";
  return (
    <>
      <PageHeader
        title={title}
        description={header ? `${header.accessLevel ?? "Access"} on ${header.resource ?? "a resource"}${header.requester ? ` for ${header.requester}` : ""}, from request to end.` : undefined}
        actions={<ButtonLink href="/ledger" variant="secondary">Back to the ledger</ButtonLink>}
      />
      {error || !timeline || !header ? (
        <EmptyState title="No timeline to show">{error}</EmptyState>
      ) : (
        <div className="grid gap-6 lg:grid-cols-[20rem_minmax(0,1fr)]">
          <Card title="At a glance">
            <dl className="grid gap-2 text-sm">
              {[
                ["Requester", header.requester],
                ["Resource", header.resource],
                ["Access level", header.accessLevel],
                ["Justification", header.justification],
                ["Ticket", header.ticketRef],
              ].map(([label, value]) => (
                <div key={label}>
                  <dt className="text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">{label}</dt>
                  <dd className="break-words">{value ?? "—"}</dd>
                </div>
              ))}
              <div>
                <dt className="text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">Status</dt>
                <dd>{header.status ? <StatusBadge status={header.status} /> : "—"} {header.breakGlass ? <Badge tone="bad">break-glass</Badge> : null}</dd>
              </div>
              <div>
                <dt className="text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">Window</dt>
                <dd>{header.startsAt ? <><DateTime value={header.startsAt} /> → <DateTime value={header.endsAt} /></> : "—"}</dd>
              </div>
              <div>
                <dt className="text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">Revoked</dt>
                <dd><DateTime value={header.revokedAt} /></dd>
              </div>
              <div>
                <dt className="text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">Approvers</dt>
                <dd>
                  {header.approvers.length ? (
                    <ul className="grid gap-1">
                      {header.approvers.map((a) => (
                        <li key={`${a.name}-${a.at.toISOString()}`}>{a.name} · {a.decision.toLowerCase()}{a.comment ? `: “${a.comment}”` : ""}</li>
                      ))}
                    </ul>
                  ) : "—"}
                </dd>
              </div>
            </dl>
            <p className="mt-4 text-sm"><Link className="text-brand-700 underline-offset-2 hover:underline dark:text-brand-100" href={filterLink}>Show these events in the ledger search</Link> (to export them)</p>
          </Card>
          <Card title={`${timeline.events.length} event${timeline.events.length === 1 ? "" : "s"}`}>
            <ol className="relative grid gap-4 border-l border-slate-200 pl-5 dark:border-slate-700" aria-label="Events in order">
              {timeline.events.map((e) => (
                <li key={e.seq} className="relative">
                  <span aria-hidden="true" className={`absolute -left-[1.6rem] top-1.5 h-2.5 w-2.5 rounded-full ring-2 ring-white dark:ring-slate-900 ${e.outcome === "success" ? "bg-brand-600" : "bg-red-600"}`} />
                  <p className="text-sm">
                    <span className="font-medium">{e.actionLabel}</span> <StatusBadge status={e.outcome} />{" "}
                    <span className="text-xs text-slate-500 dark:text-slate-400"><DateTime value={e.occurredAt} /></span>
                  </p>
                  <p className="text-sm text-slate-700 dark:text-slate-300">{e.summary}</p>
                  <p className="text-xs text-slate-500 dark:text-slate-400">
                    by <ActorLabel type={e.actorType} label={e.actorLabel} /> ·{" "}
                    <Link href={`/ledger?event=${e.seq}`} className="text-brand-700 underline underline-offset-2 dark:text-brand-100">event #{e.seq}</Link> · <code title={e.hash}>{e.hash.slice(0, 12)}…</code>
                  </p>
                </li>
              ))}
            </ol>
          </Card>
        </div>
      )}
    </>
  );
}
