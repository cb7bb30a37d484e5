import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { BarChart } from "@/app/_components/bar-chart";
import { HBarChart } from "@/app/_components/hbar-chart";
import { LineChart } from "@/app/_components/line-chart";
import { DateTime, plural } from "@/app/_components/format";
import { ButtonLink, Card, cx, EmptyState, PageHeader } from "@/app/_components/ui";
import { Figure } from "@/app/(portal)/reports/figure";
import { formatPercent, formatSeconds } from "@/server/domain/reports/metrics-math";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "Reports" };

const periods = [7, 30, 90] as const;


/**
 * The metrics dashboard: is the JIT programme working? Standing privileges over time, how fast people get
 * access, how requests end, break-glass, revocation lag and re-request hotspots — every figure linked to
 * the ledger search behind it.
 */
export default async function ReportsPage({ searchParams }: { searchParams: Promise<{ days?: string; fresh?: string }> }) {
  const trpc = await api();
  const me = await trpc.me.get();
  if (!me.areas.reports) redirect("/");
  const params = await searchParams;
  const requested = Number(params.days);
  const days = periods.find((p) => p === requested) ?? 30;
  const m = await trpc.reports.metrics({ days, fresh: params.fresh === "1" });
  const { requests: r, timeToAccess: t, revocation: rev, breakGlass: bg, standing } = m;

  return (
    <>
      <PageHeader
        title="Reports"
        description={`How the just-in-time programme is doing over the last ${days} days. Every figure links to the ledger events it counts.`}
        actions={<ButtonLink href="/reports/standing">Standing privileges report</ButtonLink>}
      />
      <div className="mb-6 flex flex-wrap items-center justify-between gap-3 text-sm">
      <nav aria-label="Period" className="flex gap-1">
        {periods.map((p) => (
          <Link
            key={p}
            href={`/reports?days=${p}`}
            aria-current={p === days ? "page" : undefined}
            className={cx("rounded-md px-3 py-1", p === days ? "bg-brand-600 text-white" : "border border-slate-300 hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800")}
          >
            Last {p} days
          </Link>
        ))}
      </nav>
        <p className="text-xs text-slate-600 dark:text-slate-400" data-testid="metrics-as-of">
          Figures as of <DateTime value={m.computedAt} /> (computed at most once a minute; each links to its own window in the ledger).{" "}
          <Link className="underline" href={`/reports?days=${days}&fresh=1`} prefetch={false}>Recompute now</Link>
        </p>
      </div>

      <div className="grid gap-6">
        <Card title="Standing privileges">
          {standing.points.length === 0 ? (
            <EmptyState title="No standing-privilege report yet" action={<ButtonLink href="/reports/standing">Open the report</ButtonLink>}>
              The weekly report inventories every target; an admin can build the first one now.
            </EmptyState>
          ) : (
            <>
              <dl className="mb-4 grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
                <Figure label="Standing now" value={(standing.latest?.standing ?? 0).toLocaleString("en")} href="/reports/standing" linkText="Open the report" testId="metric-standing" hint={`${(standing.latest?.baseline ?? 0).toLocaleString("en")} baseline · ${(standing.latest?.jit ?? 0).toLocaleString("en")} JIT-backed`} />
                <Figure
                  label="Eliminated since the first report"
                  value={standing.eliminated !== null && standing.eliminated < 0 ? `${formatPercent(-standing.eliminated)} more` : formatPercent(standing.eliminated)}
                  testId="metric-eliminated"
                  hint={standing.first ? `${(standing.first.standing ?? 0).toLocaleString("en")} on ${standing.first.at.slice(0, 10)}` : undefined}
                />
                <Figure label="Converted to JIT" value={standing.converted} href={standing.link} testId="metric-converted" hint={`in the last ${days} days`} />
                <Figure label="Reports" value={standing.points.length} testId="metric-snapshots" hint={<Link className="underline" href="/reports/standing">Latest report</Link>} />
              </dl>
              <LineChart
                title="Standing privileges per report"
                points={standing.points.map((p) => ({ label: p.at.slice(0, 10), values: [p.standing, p.baseline] }))}
                series={[
                  { name: "Standing", stroke: "stroke-red-600", fill: "fill-red-600" },
                  { name: "Baseline", stroke: "stroke-slate-500", fill: "fill-slate-500", dashed: true },
                ]}
                xLabel="Report"
              />
            </>
          )}
        </Card>

        <Card title="Requests and decisions">
          <dl className="mb-4 grid gap-4 sm:grid-cols-3 lg:grid-cols-5">
            <Figure label="Requests" value={r.created} href={r.links.created} testId="metric-requests" hint={`${r.pending} waiting now`} />
            <Figure label="Approved automatically" value={r.auto} href={r.links.auto} testId="metric-auto-approved" hint={`${formatPercent(r.rates.autoApproveRate)} of decided`} />
            <Figure label="Approved (all)" value={r.approved} href={r.links.approved} testId="metric-approved" hint={`${formatPercent(r.rates.approvalRate)} approval rate · ${r.human} by people`} />
            <Figure label="Denied" value={r.denied} href={r.links.denied} testId="metric-denied" hint={`${formatPercent(r.rates.denialRate)} denial rate`} />
            <Figure label="Expired unreviewed" value={r.expired} href={r.links.expired} testId="metric-expired" hint={`${formatPercent(r.rates.timeoutRate)} timed out`} />
          </dl>
          <HBarChart
            title="How decided requests ended"
            valueHeader="Requests"
            rows={[
              { label: "Approved automatically", value: r.auto, fill: "fill-emerald-500" },
              { label: "Approved by people", value: r.human, fill: "fill-brand-500" },
              { label: "Denied", value: r.denied, fill: "fill-red-500" },
              { label: "Expired unreviewed", value: r.expired, fill: "fill-amber-500" },
            ]}
          />
        </Card>

        <div className="grid gap-6 lg:grid-cols-2">
          <Card title="Time to access">
            <dl className="mb-4 grid gap-4 sm:grid-cols-2">
              <Figure label="Automatic · p50 / p95" value={`${formatSeconds(t.auto.p50)} / ${formatSeconds(t.auto.p95)}`} href={t.link} testId="metric-tta-auto" hint={plural(t.auto.n, "grant")} />
              <Figure label="Human-approved · p50 / p95" value={`${formatSeconds(t.human.p50)} / ${formatSeconds(t.human.p95)}`} href={t.link} testId="metric-tta-human" hint={plural(t.human.n, "grant")} />
            </dl>
            <HBarChart
              title="Request to active access, in seconds"
              valueHeader="Time"
              rows={[
                { label: "Automatic p50", value: t.auto.p50 ?? 0, display: formatSeconds(t.auto.p50), fill: "fill-emerald-500" },
                { label: "Automatic p95", value: t.auto.p95 ?? 0, display: formatSeconds(t.auto.p95), fill: "fill-emerald-700" },
                { label: "Human-approved p50", value: t.human.p50 ?? 0, display: formatSeconds(t.human.p50), fill: "fill-brand-500" },
                { label: "Human-approved p95", value: t.human.p95 ?? 0, display: formatSeconds(t.human.p95), fill: "fill-brand-700" },
              ]}
            />
            <p className="mt-2 text-xs text-slate-600 dark:text-slate-400">
              From the request (or the start it asked for) to the grant being active in the target; {plural(t.grants, "grant")} activated
              {t.breakGlass.n ? `, ${t.breakGlass.n} of them break-glass (p50 ${formatSeconds(t.breakGlass.p50)})` : ""}.{" "}
              <Link className="text-brand-700 underline dark:text-brand-100" href={t.link} data-testid="metric-activated-link">View in ledger</Link>
            </p>
          </Card>

          <Card title="Revocation">
            <dl className="mb-4 grid gap-4 sm:grid-cols-2">
              <Figure label="Lag · p50 / p99" value={`${formatSeconds(rev.p50)} / ${formatSeconds(rev.p99)}`} href={rev.link} testId="metric-revocation-lag" hint={`${plural(rev.n, "grant")} revoked at their end · worst ${formatSeconds(rev.max)}`} />
              <Figure
                label="Failing now"
                value={rev.failing}
                testId="metric-revocation-failing"
                hint={rev.overdue ? `${rev.overdue} overdue by more than 2 minutes — the revoker keeps retrying and admins are alerted` : "Nothing overdue"}
              />
            </dl>
            <p className="text-xs text-slate-600 dark:text-slate-400">Lag is from a grant&apos;s end to its removal from the target, for grants that ended on time (not released or revoked early).</p>
          </Card>
        </div>

        <div className="grid gap-6 lg:grid-cols-2">
          <Card title="Break-glass">
            <dl className="mb-4 grid gap-4 sm:grid-cols-3">
              <Figure label="Used" value={bg.count} href={bg.link} testId="metric-break-glass" hint={`in the last ${days} days`} />
              <Figure label="Open reviews" value={bg.openReviews} testId="metric-open-reviews" hint={<Link className="underline" href={bg.reviewsLink}>Reviews</Link>} />
              <Figure label="Overdue reviews" value={bg.overdueReviews} testId="metric-overdue-reviews" />
            </dl>
            {bg.weekly.length ? (
              <BarChart title="Break-glass per week" data={bg.weekly.map((w) => ({ label: w.week, values: [w.count] }))} series={[{ name: "Break-glass", className: "fill-red-500" }]} xLabel="Week of" />
            ) : (
              <p className="text-sm text-slate-600 dark:text-slate-400">No break-glass in this period.</p>
            )}
          </Card>

          <Card title="Re-request hotspots">
            <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">
              The same person asking for the same access {m.hotspots.minimum} or more times in a week: the window is too short, or it should be a baseline.
            </p>
            {m.hotspots.rows.length === 0 ? (
              <p className="text-sm" data-testid="hotspots-empty">No hotspots in this period.</p>
            ) : (
              <div className="relative overflow-x-auto">
                <table className="w-full text-left text-sm" data-testid="hotspots">
                  <caption className="sr-only">Re-request hotspots</caption>
                  <thead>
                    <tr className="text-xs uppercase text-slate-500 dark:text-slate-400">
                      <th scope="col" className="py-1 pr-3">Person</th>
                      <th scope="col" className="py-1 pr-3">Access</th>
                      <th scope="col" className="py-1 pr-3">Week of</th>
                      <th scope="col" className="py-1 pr-3 text-right">Requests</th>
                      <th scope="col" className="py-1"><span className="sr-only">Ledger</span></th>
                    </tr>
                  </thead>
                  <tbody>
                    {m.hotspots.rows.map((h) => (
                      <tr key={`${h.requesterId}-${h.resourceId}-${h.accessLevel}-${h.week}`} className="border-t border-slate-100 dark:border-slate-800">
                        <td className="py-1 pr-3">{h.requester}</td>
                        <td className="py-1 pr-3">{h.accessLevel} on {h.resource}</td>
                        <td className="py-1 pr-3 tabular-nums">{h.week}</td>
                        <td className="py-1 pr-3 text-right tabular-nums">{h.n}</td>
                        <td className="py-1"><Link className="text-brand-700 underline dark:text-brand-100" href={h.ledger}>Ledger<span className="sr-only"> for {h.requester}, {h.resource}</span></Link></td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Card>
        </div>

        <Card title="Requests and grants per day">
          <BarChart
            title="Requests and grants per day"
            data={m.daily.map((d) => ({ label: d.day, values: [d.requests, d.grants] }))}
            series={[
              { name: "Requests", className: "fill-brand-500" },
              { name: "Grants activated", className: "fill-emerald-500" },
            ]}
          />
        </Card>
      </div>
    </>
  );
}
