import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { Card, EmptyState, PageHeader } from "@/app/_components/ui";
import { EventDrawer } from "@/app/(portal)/ledger/event-drawer";
import { EvidencePanel } from "@/app/(portal)/ledger/evidence-panel";
import { ExportPanel } from "@/app/(portal)/ledger/export-panel";
import { LedgerFilters } from "@/app/(portal)/ledger/filters";
import { IntegrityPanel } from "@/app/(portal)/ledger/integrity-panel";
import { datePresets, filterQuery, formatCount, stateFromSearchParams } from "@/app/(portal)/ledger/ledger-url";
import { LedgerResults, Pager } from "@/app/(portal)/ledger/results";
import { filtersFromSearchParams, ZLedgerSearchInput } from "@/server/domain/ledger/schema";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "Ledger" };

function messageOf(error: unknown): string {
  return error instanceof Error && error.message ? error.message : "The search failed. Try again.";
}

/**
 * The auditor's ledger: search with every filter in the URL, keyset pages, an event drawer with the
 * hash chain around the event, exports of the current search, evidence packs, and the chain's integrity.
 */
export default async function LedgerPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const trpc = await api();
  const me = await trpc.me.get();
  if (!me.areas.ledger) redirect("/");
  const params = stateFromSearchParams(await searchParams);
  const parsed = ZLedgerSearchInput.safeParse(filtersFromSearchParams(params));

  const [status, options] = await Promise.all([trpc.ledger.status(), trpc.ledger.filterOptions()]);
  let error: string | null = null;
  let page: Awaited<ReturnType<typeof trpc.ledger.search>> | null = null;
  let count: Awaited<ReturnType<typeof trpc.ledger.count>> | null = null;
  if (!parsed.success) {
    error = parsed.error.issues[0]?.message ?? "The search is not valid.";
  } else {
    const { cursor: _cursor, limit: _limit, order: _order, ...filters } = parsed.data;
    try {
      [page, count] = await Promise.all([trpc.ledger.search(parsed.data), trpc.ledger.count(filters)]);
    } catch (caught) {
      error = messageOf(caught);
    }
  }
  const openSeq = params.get("event");
  const detail = openSeq && /^\d{1,19}$/.test(openSeq) ? await trpc.ledger.event({ seq: openSeq }).catch(() => null) : null;
  const lastMonth = datePresets().find((p) => p.label === "Last month")!;
  const filtered = filterQuery(params) !== "";

  return (
    <>
      <PageHeader
        title="Ledger"
        description="Every privileged change, append-only and hash-chained: each event commits to the one before it, and signed checkpoints vouch for the chain. Search it, check it, and export evidence."
      />
      <div className="grid gap-6">
        <IntegrityPanel status={status} />
        <Card title="Search">
          <LedgerFilters params={params} options={options} />
        </Card>
        <Card
          title={
            <span>
              Events{" "}
              {count ? <span className="font-normal text-slate-600 dark:text-slate-400" data-testid="ledger-count">· {formatCount(count.count, count.exact)}{filtered ? " match" : ""}</span> : null}
            </span>
          }
        >
          {error ? (
            <div role="alert" className="mb-4 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
              {error}
            </div>
          ) : null}
          {page && page.textMode === "substring" ? (
            <p className="mb-3 text-xs text-slate-600 dark:text-slate-400">Short or symbol-only search text is matched as a substring of summaries and actors.</p>
          ) : null}
          {page ? (
            <>
              <div className="mb-4 border-b border-slate-100 pb-4 dark:border-slate-800">
                <ExportPanel query={filterQuery(params)} />
              </div>
              {page.events.length === 0 ? (
                <EmptyState title={filtered ? "No events match this search" : "The ledger is empty"}>
                  {filtered ? "Widen the time range or clear a filter." : "Events appear as people sign in, request and receive access."}
                </EmptyState>
              ) : (
                <>
                  <LedgerResults events={page.events} params={params} openSeq={openSeq} />
                  <Pager params={params} prevCursor={page.prevCursor} nextCursor={page.nextCursor} order={parsed.success ? parsed.data.order : "desc"} />
                </>
              )}
            </>
          ) : null}
        </Card>
        <Card title="Evidence packs">
          <EvidencePanel resources={options.resources} defaultPeriod={{ from: lastMonth.from, to: lastMonth.to }} />
        </Card>
      </div>
      {detail ? <EventDrawer detail={detail} params={params} /> : null}
      {openSeq && !detail ? (
        <p role="alert" className="fixed bottom-4 right-4 rounded-md bg-red-700 px-3 py-2 text-sm text-white">There is no ledger event #{openSeq.slice(0, 20)}.</p>
      ) : null}
    </>
  );
}
