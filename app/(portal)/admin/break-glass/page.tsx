import type { Metadata } from "next";
import Link from "next/link";
import { DateTime, TierBadge } from "@/app/_components/format";
import { Badge, Card, EmptyState, PageHeader } from "@/app/_components/ui";
import { ReviewForm } from "@/app/(portal)/admin/break-glass/review-form";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "Admin · Break-glass reviews" };

export default async function BreakGlassReviewsPage() {
  const trpc = await api();
  const [me, reviews] = await Promise.all([trpc.me.get(), trpc.requests.reviews()]);
  const open = reviews.filter((r) => r.status === "OPEN");
  const done = reviews.filter((r) => r.status === "COMPLETED");
  return (
    <>
      <PageHeader title="Break-glass reviews" description="Every break-glass grant needs a post-incident review by an admin other than the person who used it. Reminders go out until it is done." />
      <div className="grid gap-6">
        <Card title={`Open (${open.length})`}>
          {open.length === 0 ? (
            <EmptyState title="No open reviews">Break-glass use appears here the moment it happens.</EmptyState>
          ) : (
            <ul className="grid gap-4">
              {open.map((r) => (
                <li key={r.id} className="rounded-md border border-slate-200 p-4 dark:border-slate-800">
                  <div className="flex flex-wrap items-center gap-2 text-sm">
                    <span className="font-medium">{r.grant.identity.name}</span> took
                    <Link className="underline" href={`/admin/grants/${r.grant.id}`}>{r.grant.accessLevel.name} on {r.grant.resource.name}</Link>
                    <TierBadge tier={r.grant.resource.tier} />
                    <span className="text-slate-500 dark:text-slate-400"><DateTime value={r.grant.startsAt} /> → <DateTime value={r.grant.endsAt} /></span>
                    <Badge tone={r.overdue ? "bad" : "warn"}>{r.overdue ? "overdue since" : "due"} <DateTime value={r.dueAt} /></Badge>
                  </div>
                  <p className="mt-1 text-sm">“{r.grant.request.justification}”{r.grant.request.ticketRef ? ` [${r.grant.request.ticketRef}]` : ""}</p>
                  {r.grant.identity.id === me.id ? (
                    <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">You used this break-glass access, so another admin must review it.</p>
                  ) : (
                    <ReviewForm reviewId={r.id} />
                  )}
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card title="Completed">
          {done.length === 0 ? (
            <p className="text-sm text-slate-600 dark:text-slate-400">None yet.</p>
          ) : (
            <ul className="grid gap-2 text-sm">
              {done.map((r) => (
                <li key={r.id}>
                  {r.grant.identity.name} → {r.grant.accessLevel.name} on {r.grant.resource.name}: <Badge tone={r.outcome === "justified" ? "good" : "warn"}>{(r.outcome ?? "").replaceAll("_", " ")}</Badge> by {r.reviewer?.name} <DateTime value={r.completedAt} />
                  <p className="text-slate-600 dark:text-slate-400">{r.notes}</p>
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
    </>
  );
}
