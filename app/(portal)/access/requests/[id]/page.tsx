import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AutoRefresh } from "@/app/_components/auto-refresh";
import { AccessAccount, DateTime, formatDuration, TierBadge } from "@/app/_components/format";
import { StatusBadge } from "@/app/_components/status-badge";
import { Badge, ButtonLink, Card, PageHeader } from "@/app/_components/ui";
import { CancelRequestButton } from "@/app/(portal)/access/requests/[id]/cancel-button";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "Request" };

export default async function RequestDetailPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const trpc = await api();
  const request = await trpc.requests.get({ requestId: id }).catch((error: { code?: string; data?: { code?: string } }) => {
    if (error?.code === "NOT_FOUND" || error?.data?.code === "NOT_FOUND" || error?.code === "BAD_REQUEST") notFound();
    throw error;
  });
  const waiting = request.status === "PENDING" || (request.grant && ["SCHEDULED", "PROVISIONING"].includes(request.grant.status));
  return (
    <>
      {waiting ? <AutoRefresh seconds={3} /> : null}
      <PageHeader
        title={`${request.accessLevel.name} on ${request.resource.name}`}
        description={<>Requested by {request.requester.name} <DateTime value={request.createdAt} /> · {formatDuration(request.durationMinutes)}{request.kind !== "STANDARD" ? ` · ${request.kind.toLowerCase().replace("_", "-")}` : ""}</>}
        actions={
          <>
            {request.canDecide ? <ButtonLink href={`/inbox?request=${request.id}`}>Decide in inbox</ButtonLink> : null}
            {request.grant ? <ButtonLink href={`/access/grants/${request.grant.id}`} variant="secondary">View grant</ButtonLink> : null}
            {request.canCancel ? <CancelRequestButton requestId={request.id} /> : null}
          </>
        }
      />
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]">
        <div className="grid gap-6">
          <Card title="Status">
            <div className="flex flex-wrap items-center gap-3" aria-live="polite">
              <span data-testid="request-status"><StatusBadge status={request.status} /></span>
              <TierBadge tier={request.resource.tier} />
              {request.status === "PENDING" ? (
                <span className="text-sm text-slate-600 dark:text-slate-400">
                  Waiting for {request.stageName ?? "approval"}
                  {request.routedTo.length ? ` — ${request.routedTo.join(", ")}` : ""}. This page updates by itself.
                </span>
              ) : null}
              {request.grant ? (
                <span className="text-sm">
                  Grant: <StatusBadge status={request.grant.status} /> until <DateTime value={request.grant.endsAt} />
                </span>
              ) : null}
            </div>
            <dl className="mt-4 grid grid-cols-[9rem_minmax(0,1fr)] gap-y-2 text-sm wrap-anywhere">
              <dt className="text-slate-500 dark:text-slate-400">Account</dt>
              <dd>
                <AccessAccount login={request.accessLevel.login} requesterName={request.requester.name} />
              </dd>
              <dt className="text-slate-500 dark:text-slate-400">Justification</dt>
              <dd className="whitespace-pre-wrap break-words">{request.justification}</dd>
              <dt className="text-slate-500 dark:text-slate-400">Ticket</dt>
              <dd>{request.ticketRef ?? "—"}</dd>
              <dt className="text-slate-500 dark:text-slate-400">Starts</dt>
              <dd><DateTime value={request.startsAt} /></dd>
              <dt className="text-slate-500 dark:text-slate-400">Policy</dt>
              <dd>{request.policy ?? "—"}</dd>
              {request.expiresAt && request.status === "PENDING" ? (
                <>
                  <dt className="text-slate-500 dark:text-slate-400">Expires if undecided</dt>
                  <dd><DateTime value={request.expiresAt} /></dd>
                </>
              ) : null}
            </dl>
          </Card>
          <Card title="Decisions">
            {request.decisions.length === 0 ? (
              <p className="text-sm text-slate-600 dark:text-slate-400">{request.decision.outcome === "auto_approve" ? "Approved automatically by policy." : request.decision.outcome === "deny" ? "Denied by policy." : "No decisions yet."}</p>
            ) : (
              <ol className="grid gap-3">
                {request.decisions.map((d) => (
                  <li key={`${d.approver}-${d.stage}`} className="rounded-md border border-slate-200 p-3 text-sm dark:border-slate-800">
                    <div className="flex flex-wrap items-center gap-2">
                      <Badge tone={d.decision === "APPROVE" ? "good" : "bad"}>{d.decision === "APPROVE" ? "approved" : "denied"}</Badge>
                      <span className="font-medium">{d.approver}</span>
                      <span className="text-slate-500 dark:text-slate-400"><DateTime value={d.at} /></span>
                      {d.durationMinutes ? <span className="text-slate-500 dark:text-slate-400">shortened to {formatDuration(d.durationMinutes)}</span> : null}
                    </div>
                    {d.comment ? <p className="mt-1 whitespace-pre-wrap break-words" data-testid="decision-comment">“{d.comment}”</p> : null}
                  </li>
                ))}
              </ol>
            )}
          </Card>
        </div>
        <aside className="grid content-start gap-6">
          <Card title="Why">
            <ul className="list-disc space-y-1 pl-5 text-sm">
              {request.decision.reasons.map((reason) => (
                <li key={reason}>{reason}</li>
              ))}
            </ul>
            <p className="mt-3 text-sm">Risk <span className="font-semibold tabular-nums">{request.riskScore}</span> / 100</p>
          </Card>
          <p className="text-sm"><Link href="/access" className="underline">Back to my access</Link></p>
        </aside>
      </div>
    </>
  );
}
