import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { AutoRefresh } from "@/app/_components/auto-refresh";
import { Countdown } from "@/app/_components/countdown";
import { DateTime, TierBadge } from "@/app/_components/format";
import { StatusBadge } from "@/app/_components/status-badge";
import { Badge, Card, PageHeader } from "@/app/_components/ui";
import { ReleaseButton } from "@/app/(portal)/access/grant-actions";
import { AdminRevoke, CredentialReveal, ExtendForm } from "@/app/(portal)/access/grants/[id]/grant-panels";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "Grant" };

const stepLabels: Record<string, string> = {
  "access/request.created": "Requested",
  "access/request.approved": "Approved",
  "access/decision.recorded": "Decision",
  "access/grant.scheduled": "Scheduled",
  "access/grant.activated": "Provisioned and verified",
  "access/grant.extended": "Extended",
  "access/grant.released": "Released",
  "access/grant.revoke_requested": "Revocation requested",
  "access/grant.revoked": "Revoked in the target",
  "access/grant.failed": "Provisioning failed",
  "access/grant.drift_found": "Drift found",
  "access/grant.credential_revealed": "Credentials viewed",
  "access/break_glass.activated": "Break-glass",
  "access/break_glass.reviewed": "Reviewed",
};

export default async function GrantPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const trpc = await api();
  const grant = await trpc.grants.get({ grantId: id }).catch((error: { code?: string }) => {
    if (error?.code === "NOT_FOUND" || error?.code === "BAD_REQUEST") notFound();
    throw error;
  });
  const moving = ["SCHEDULED", "PROVISIONING", "REVOKING"].includes(grant.status);
  return (
    <>
      {moving ? <AutoRefresh seconds={2} /> : null}
      <PageHeader
        title={`${grant.accessLevel.name} on ${grant.resource.name}`}
        description={<>Held by {grant.holder.name}{grant.request.justification ? ` — “${grant.request.justification}”` : ""}</>}
        actions={grant.canRelease ? <ReleaseButton grantId={grant.id} /> : null}
      />
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_22rem]">
        <div className="grid content-start gap-6">
          <Card title="Window">
            <div className="flex flex-wrap items-center gap-3 text-sm" aria-live="polite">
              <span data-testid="grant-status"><StatusBadge status={grant.status} /></span>
              <TierBadge tier={grant.resource.tier} />
              {grant.breakGlass ? <Badge tone="bad">break-glass</Badge> : null}
              {grant.status === "ACTIVE" ? <span className="text-lg font-semibold"><Countdown endsAt={grant.endsAt.toISOString()} serverNow={grant.serverNow.toISOString()} /></span> : null}
            </div>
            <dl className="mt-4 grid grid-cols-[10rem_minmax(0,1fr)] gap-y-2 text-sm wrap-anywhere">
              <dt className="text-slate-500 dark:text-slate-400">From</dt>
              <dd><DateTime value={grant.startsAt} /></dd>
              <dt className="text-slate-500 dark:text-slate-400">Until</dt>
              <dd><DateTime value={grant.endsAt} /></dd>
              <dt className="text-slate-500 dark:text-slate-400">Target</dt>
              <dd>{grant.resource.connector ? `${grant.resource.connector.name} (${grant.resource.connector.kind.toLowerCase()})` : "—"}{grant.targetPrincipal ? <> as <code>{grant.targetPrincipal}</code></> : null}</dd>
              {grant.verifiedAt ? (<><dt className="text-slate-500 dark:text-slate-400">Verified</dt><dd><DateTime value={grant.verifiedAt} /></dd></>) : null}
              {grant.revokedAt ? (<><dt className="text-slate-500 dark:text-slate-400">Revoked</dt><dd><DateTime value={grant.revokedAt} /> ({(grant.revocationReason ?? "").toLowerCase().replaceAll("_", " ")}{grant.revocationLagMs !== null ? `, ${(grant.revocationLagMs / 1000).toFixed(1)} s after the end` : ""})</dd></>) : null}
              {grant.lastError ? (<><dt className="text-slate-500 dark:text-slate-400">Last error</dt><dd className="text-red-700 dark:text-red-300">{grant.lastError} (attempt {grant.attempts})</dd></>) : null}
            </dl>
          </Card>
          <Card title="Steps">
            <ol className="relative ml-2 border-l border-slate-200 dark:border-slate-700">
              {grant.steps.map((step) => (
                <li key={step.seq} className="mb-3 ml-4">
                  <span className={`absolute -left-1.5 mt-1.5 h-3 w-3 rounded-full ${step.outcome === "success" ? "bg-emerald-500" : step.outcome === "denied" ? "bg-amber-500" : "bg-red-500"}`} aria-hidden="true" />
                  <p className="text-sm font-medium">{stepLabels[step.action] ?? step.action} <span className="font-normal text-slate-500 dark:text-slate-400"><DateTime value={step.occurredAt} /> · {step.actorLabel}</span></p>
                  <p className="text-sm text-slate-600 dark:text-slate-400">{step.summary}</p>
                </li>
              ))}
            </ol>
          </Card>
        </div>
        <aside className="grid content-start gap-6">
          {grant.accessLevel.mode === "EPHEMERAL_CREDENTIAL" && (grant.credentialAvailable || grant.credentialRevealedAt) ? (
            <Card title="Credentials">
              <CredentialReveal grantId={grant.id} available={grant.credentialAvailable} revealedAt={grant.credentialRevealedAt?.toISOString() ?? null} />
            </Card>
          ) : null}
          {grant.canExtend ? (
            <Card title="Need more time?">
              <ExtendForm grantId={grant.id} />
            </Card>
          ) : null}
          {grant.extensions.length ? (
            <Card title="Extensions">
              <ul className="grid gap-1 text-sm">
                {grant.extensions.map((e) => (
                  <li key={e.id}>+{e.durationMinutes} min <StatusBadge status={e.status} /></li>
                ))}
              </ul>
            </Card>
          ) : null}
          {grant.canRevoke ? (
            <Card title="Admin">
              <AdminRevoke grantId={grant.id} holder={grant.holder.name} />
            </Card>
          ) : null}
        </aside>
      </div>
    </>
  );
}
