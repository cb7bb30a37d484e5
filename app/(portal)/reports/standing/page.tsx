import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { DateTime, TierBadge } from "@/app/_components/format";
import { Badge, ButtonLink, Card, EmptyState, PageHeader, Stat, type BadgeTone } from "@/app/_components/ui";
import { RefreshButton } from "@/app/(portal)/reports/standing/refresh-button";
import { RowActions } from "@/app/(portal)/reports/standing/row-actions";
import { recommendationLabels, type Recommendation } from "@/server/domain/reports/recommend";
import { standingFiltersFromSearchParams, ZStandingListInput } from "@/server/domain/reports/schema";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "Standing privileges" };

const recommendationTone: Record<Recommendation, BadgeTone> = { remove: "bad", review: "warn", baseline: "neutral" };
const healthTone: Record<string, BadgeTone> = { HEALTHY: "good", DEGRADED: "warn", FAILING: "bad", UNKNOWN: "neutral" };
const inputClass = "w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900";

type Params = Record<string, string | string[] | undefined>;

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== "") search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : "";
}

/**
 * The standing-privilege report: who holds persistent access in the targets, how recently it was used,
 * and what to do about it — riskiest first, with filters, search, CSV export, the diff against the previous
 * report, and the two actions (keep as baseline, convert to JIT).
 */
export default async function StandingReportPage({ searchParams }: { searchParams: Promise<Params> }) {
  const trpc = await api();
  const me = await trpc.me.get();
  if (!me.areas.reports) redirect("/");
  const raw = standingFiltersFromSearchParams(await searchParams);
  const input = ZStandingListInput.parse(raw);
  const [list, snapshots] = await Promise.all([trpc.reports.standing(raw), trpc.reports.snapshots()]);
  const { snapshot } = list;
  const filters = { snapshot: input.snapshot, q: input.q, recommendation: input.recommendation, tier: input.tier, connector: input.connector, holder: input.holder, status: input.status, new: input.new ? "1" : undefined };
  const exportHref = `/reports/standing/export${query(filters)}`;

  return (
    <>
      <PageHeader
        title="Standing privileges"
        description={
          <>
            Privileges that exist in the targets without a Keycard grant, with their last use and what to do: convert to just-in-time access, or keep as a baseline with a review date.{" "}
            <Link href="/reports" className="underline">Metrics dashboard</Link>
          </>
        }
        actions={list.canManage ? <RefreshButton /> : undefined}
      />
      {!snapshot ? (
        <EmptyState title="No report yet">
          {list.canManage ? "Refresh now to inventory every target and build the first report." : "An admin can build the first report; the weekly schedule builds one every Monday."}
        </EmptyState>
      ) : (
        <div className="grid gap-6">
          <section aria-labelledby="snapshot-heading">
            <h2 id="snapshot-heading" className="sr-only">This report</h2>
            <div className="mb-3 flex flex-wrap items-center gap-3 text-sm text-slate-600 dark:text-slate-400">
              <span>
                Built <DateTime value={snapshot.createdAt} /> ({snapshot.summary.trigger})
                {snapshot.summary.previousSnapshotId ? " · compared with the previous report" : " · the first report"}
              </span>
              <form method="get" className="flex items-center gap-2">
                <label htmlFor="snapshot-pick">Report</label>
                <select id="snapshot-pick" name="snapshot" defaultValue={snapshot.id} className="rounded-md border border-slate-300 bg-white px-2 py-1 dark:border-slate-700 dark:bg-slate-900">
                  {snapshots.map((s) => (
                    <option key={s.id} value={s.id}>{s.createdAt.toISOString().slice(0, 16).replace("T", " ")} UTC · {s.summary.standing} standing</option>
                  ))}
                </select>
                <button type="submit" className="rounded-md border border-slate-300 px-2 py-1 dark:border-slate-700">Show</button>
              </form>
            </div>
            <dl className="grid gap-4 sm:grid-cols-3 lg:grid-cols-6">
              <Stat label="Standing" value={<span data-testid="summary-standing">{snapshot.summary.standing.toLocaleString("en")}</span>} hint={`plus ${snapshot.summary.jit.toLocaleString("en")} JIT-backed (covered by grants, not listed)`} />
              <Stat label="Remove & make requestable" value={snapshot.summary.byRecommendation.remove.toLocaleString("en")} hint={<Link className="underline" href={`/reports/standing${query({ snapshot: input.snapshot, recommendation: "remove" })}`}>Show them</Link>} />
              <Stat label="Tier 1" value={snapshot.summary.byTier["1"].toLocaleString("en")} hint={<Link className="underline" href={`/reports/standing${query({ snapshot: input.snapshot, tier: 1 })}`}>Show them</Link>} />
              <Stat
                label="New since last report"
                value={<span data-testid="summary-new">{snapshot.summary.newCount.toLocaleString("en")}</span>}
                hint={<Link className="underline" href={`/reports/standing${query({ snapshot: input.snapshot, new: "1" })}`}>Show them</Link>}
              />
              <Stat label="Gone since last report" value={snapshot.summary.goneCount.toLocaleString("en")} hint="converted, or removed in the target" />
              <Stat label="Baseline" value={snapshot.summary.baseline.toLocaleString("en")} hint={`${snapshot.summary.machineHeld} standing held by machines`} />
            </dl>
          </section>

          <Card title="Targets">
            <ul className="grid gap-2 text-sm" data-testid="targets">
              {snapshot.summary.connectors.map((c) => (
                <li key={c.id} className="flex flex-wrap items-center gap-2" data-testid="target">
                  <span className="font-medium">{c.name}</span>
                  <Badge tone={healthTone[c.health] ?? "neutral"}>{c.health === "FAILING" ? "unreachable" : c.health.toLowerCase()}</Badge>
                  <span className="text-slate-600 dark:text-slate-400">
                    {c.standing.toLocaleString("en")} standing
                    {c.health === "FAILING" ? (
                      <>
                        {" "}· could not be read at the last discovery ({c.lastError ?? "no answer"}); {c.lastDiscoveredAt ? <>its inventory is from <DateTime value={c.lastDiscoveredAt} /></> : "it was never read"}
                      </>
                    ) : null}
                  </span>
                </li>
              ))}
            </ul>
          </Card>

          <Card
            title={<span>Privileges <span className="font-normal text-slate-600 dark:text-slate-400" data-testid="row-count">· {list.total.toLocaleString("en")} shown by these filters</span></span>}
            actions={<ButtonLink variant="secondary" href={exportHref} prefetch={false}>Export CSV</ButtonLink>}
          >
            <form method="get" className="mb-4 grid gap-3 text-sm sm:grid-cols-3 lg:grid-cols-7 lg:items-end" aria-label="Filter the report">
              {input.snapshot ? <input type="hidden" name="snapshot" value={input.snapshot} /> : null}
              <div className="lg:col-span-2">
                <label htmlFor="f-q" className="mb-1 block font-medium">Search</label>
                <input id="f-q" name="q" defaultValue={input.q ?? ""} placeholder="principal, privilege, person, target" className={inputClass} />
              </div>
              <div>
                <label htmlFor="f-rec" className="mb-1 block font-medium">Recommendation</label>
                <select id="f-rec" name="recommendation" defaultValue={input.recommendation ?? ""} className={inputClass}>
                  <option value="">Any</option>
                  <option value="action">Needs a decision</option>
                  <option value="remove">{recommendationLabels.remove}</option>
                  <option value="review">{recommendationLabels.review}</option>
                  <option value="baseline">{recommendationLabels.baseline}</option>
                </select>
              </div>
              <div>
                <label htmlFor="f-tier" className="mb-1 block font-medium">Tier</label>
                <select id="f-tier" name="tier" defaultValue={input.tier ? String(input.tier) : ""} className={inputClass}>
                  <option value="">Any</option>
                  <option value="1">Tier 1</option>
                  <option value="2">Tier 2</option>
                  <option value="3">Tier 3</option>
                </select>
              </div>
              <div>
                <label htmlFor="f-target" className="mb-1 block font-medium">Target</label>
                <select id="f-target" name="connector" defaultValue={input.connector ?? ""} className={inputClass}>
                  <option value="">Any</option>
                  {snapshot.summary.connectors.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
                </select>
              </div>
              <div>
                <label htmlFor="f-holder" className="mb-1 block font-medium">Holder</label>
                <select id="f-holder" name="holder" defaultValue={input.holder ?? ""} className={inputClass}>
                  <option value="">Anyone</option>
                  <option value="HUMAN">People</option>
                  <option value="MACHINE">Machines</option>
                  <option value="unmapped">Not mapped to an identity</option>
                </select>
              </div>
              <div>
                <label htmlFor="f-status" className="mb-1 block font-medium">Status</label>
                <select id="f-status" name="status" defaultValue={input.status ?? ""} className={inputClass}>
                  <option value="">Any</option>
                  <option value="STANDING">Standing</option>
                  <option value="BASELINE">Baseline</option>
                </select>
              </div>
              <div className="flex flex-wrap items-center gap-3 sm:col-span-3 lg:col-span-7">
                <label className="flex items-center gap-1">
                  <input type="checkbox" name="new" value="1" defaultChecked={Boolean(input.new)} /> New only
                </label>
                <button type="submit" className="rounded-md bg-brand-600 px-3 py-1.5 font-medium text-white hover:bg-brand-700">Apply</button>
                <Link href={`/reports/standing${query({ snapshot: input.snapshot })}`} className="underline">Clear</Link>
              </div>
            </form>

            {list.rows.length === 0 ? (
              <EmptyState title="Nothing matches">Change or clear the filters.</EmptyState>
            ) : (
              <div className="relative overflow-x-auto">
                <table className="w-full text-left text-sm">
                  <caption className="sr-only">Standing privileges, riskiest first</caption>
                  <thead>
                    <tr className="text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400">
                      <th scope="col" className="border-b border-slate-200 px-2 py-2 dark:border-slate-800">#</th>
                      <th scope="col" className="border-b border-slate-200 px-2 py-2 dark:border-slate-800">Holder</th>
                      <th scope="col" className="border-b border-slate-200 px-2 py-2 dark:border-slate-800">Privilege</th>
                      <th scope="col" className="border-b border-slate-200 px-2 py-2 dark:border-slate-800">Tier</th>
                      <th scope="col" className="border-b border-slate-200 px-2 py-2 dark:border-slate-800">Last used</th>
                      <th scope="col" className="border-b border-slate-200 px-2 py-2 dark:border-slate-800">Days idle</th>
                      <th scope="col" className="border-b border-slate-200 px-2 py-2 dark:border-slate-800">Recommendation</th>
                      {list.canManage ? <th scope="col" className="border-b border-slate-200 px-2 py-2 dark:border-slate-800">Actions</th> : null}
                    </tr>
                  </thead>
                  <tbody>
                    {list.rows.map((row) => (
                      <tr key={row.key} data-testid="standing-row" data-principal={row.principal} data-privilege={row.privilege} className="align-top">
                        <td className="border-b border-slate-100 px-2 py-2 tabular-nums text-slate-500 dark:border-slate-800/60 dark:text-slate-400">{row.riskRank}</td>
                        <td className="border-b border-slate-100 px-2 py-2 dark:border-slate-800/60">
                          {row.holder ? (
                            <span className="block font-medium">{row.holder.name}</span>
                          ) : (
                            <span className="block text-slate-600 dark:text-slate-400">{row.principal === "PUBLIC" ? "Everyone (PUBLIC)" : "No identity"}</span>
                          )}
                          <span className="flex flex-wrap gap-1">
                            <Badge tone={row.holder?.kind === "MACHINE" ? "info" : "neutral"}>{row.holder ? (row.holder.kind === "MACHINE" ? "machine" : "person") : "unmapped"}</Badge>
                            {row.holder?.disabled ? <Badge tone="bad">identity disabled</Badge> : null}
                          </span>
                        </td>
                        <td className="border-b border-slate-100 px-2 py-2 dark:border-slate-800/60">
                          <span className="block"><code className="break-all" data-testid="row-principal">{row.principal}</code> on {row.connector}</span>
                          <code className="block break-all text-xs" data-testid="row-privilege">{row.privilege}</code>
                          <span className="text-xs text-slate-600 dark:text-slate-400">{row.privilegeKind.toLowerCase().replace(/_/g, " ")}{row.resource ? ` · ${row.resource.name}` : ""}</span>
                        </td>
                        <td className="border-b border-slate-100 px-2 py-2 dark:border-slate-800/60"><TierBadge tier={row.tier} /></td>
                        <td className="border-b border-slate-100 px-2 py-2 dark:border-slate-800/60" data-testid="row-last-used">
                          {row.lastUsedAt ? <DateTime value={row.lastUsedAt} /> : <span>never seen</span>}
                          {row.uses30d ? <span className="block text-xs text-slate-600 dark:text-slate-400">{row.uses30d} {row.uses30d === 1 ? "use" : "uses"} in 30 days</span> : null}
                        </td>
                        <td className="border-b border-slate-100 px-2 py-2 tabular-nums dark:border-slate-800/60" data-testid="row-days-idle">
                          {row.daysIdle ?? "—"}
                          {row.daysIdle === null ? <span className="block text-xs text-slate-600 dark:text-slate-400">watched {row.watchedDays} d</span> : null}
                        </td>
                        <td className="border-b border-slate-100 px-2 py-2 dark:border-slate-800/60">
                          <span className="flex flex-wrap gap-1">
                            <span data-testid="row-recommendation"><Badge tone={recommendationTone[row.recommendation]}>{recommendationLabels[row.recommendation]}</Badge></span>
                            {row.isNew && snapshot.summary.previousSnapshotId ? <Badge tone="info">new</Badge> : null}
                            {row.state.since === "converted" ? <Badge tone="good">converted to JIT since</Badge> : null}
                            {row.state.since === "gone" ? <Badge tone="good">gone since</Badge> : null}
                            {row.state.since === "baselined" ? <Badge>marked baseline since{row.state.baselineUntil ? ` (until ${row.state.baselineUntil.slice(0, 10)})` : ""}</Badge> : null}
                          </span>
                          <span className="mt-1 block max-w-md text-xs text-slate-700 dark:text-slate-300">{row.reason}</span>
                          {row.note ? <span className="mt-1 block max-w-md text-xs text-amber-800 dark:text-amber-200">{row.note}</span> : null}
                        </td>
                        {list.canManage ? (
                          <td className="border-b border-slate-100 px-2 py-2 dark:border-slate-800/60">
                            <RowActions privilegeId={row.key} label={`${row.principal} ${row.privilege}`} removal={row.state.removal} level={row.state.level} since={row.state.since} />
                          </td>
                        ) : null}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {list.pages > 1 ? (
              <nav aria-label="Pages" className="mt-4 flex items-center gap-3 text-sm">
                {list.page > 1 ? <Link className="underline" href={`/reports/standing${query({ ...filters, page: list.page - 1 })}`}>Previous</Link> : null}
                <span>Page {list.page} of {list.pages}</span>
                {list.page < list.pages ? <Link className="underline" href={`/reports/standing${query({ ...filters, page: list.page + 1 })}`}>Next</Link> : null}
              </nav>
            ) : null}
          </Card>
        </div>
      )}
    </>
  );
}
