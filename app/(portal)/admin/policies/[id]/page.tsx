import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { tierDefaultRules } from "@/server/domain/policies/defaults";
import { DateTime } from "@/app/_components/format";
import { Card, PageHeader } from "@/app/_components/ui";
import { PolicyEditor } from "@/app/(portal)/admin/policies/[id]/editor";
import { RevokeAtOddsButton } from "@/app/(portal)/admin/policies/[id]/revoke-at-odds";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "Admin · Policy" };

export default async function PolicyPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ resource?: string }> }) {
  const { id } = await params;
  const { resource } = await searchParams;
  const trpc = await api();
  if (id === "new") {
    const resources = await trpc.resources.list({});
    const target = resources.find((r) => r.id === resource);
    if (!target) notFound();
    const start = JSON.stringify(tierDefaultRules[target.tier as 1 | 2 | 3] ?? tierDefaultRules[3], null, 2);
    return (
      <>
        <PageHeader title={`New policy for ${target.name}`} description={`It starts as a copy of the tier-${target.tier} default. Saving it makes this resource follow its own policy from now on.`} />
        <Card><PolicyEditor resourceId={target.id} initialJson={start} /></Card>
      </>
    );
  }
  const policy = await trpc.policies.get({ policyId: id }).catch((error: { code?: string }) => {
    if (error?.code === "NOT_FOUND" || error?.code === "BAD_REQUEST") notFound();
    throw error;
  });
  const current = policy.versions.find((v) => v.id === policy.currentVersionId) ?? policy.versions[0];
  const atOdds = await trpc.policies.grantsAtOdds({ policyId: policy.id });
  return (
    <>
      <PageHeader title={policy.name} description={policy.resource ? `Applies to ${policy.resource.name}.` : `Default for every tier-${policy.tier} resource without its own policy.`} />
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]">
        <Card title={`Edit (current: v${policy.currentVersionNumber ?? "—"})`}>
          <PolicyEditor policyId={policy.id} initialJson={JSON.stringify(current?.rules ?? {}, null, 2)} />
        </Card>
        <Card title="Versions">
          <ol className="grid gap-3 text-sm">
            {policy.versions.map((v) => (
              <li key={v.id}>
                <span className="font-medium">v{v.version}</span>{v.id === policy.currentVersionId ? " (current)" : ""} · <DateTime value={v.createdAt} />
                <span className="block text-slate-600 dark:text-slate-400">{v.createdBy?.name ?? "system"}: {v.note ?? "—"}</span>
              </li>
            ))}
          </ol>
        </Card>
        <Card title="Live grants this version no longer allows" className="lg:col-span-2">
          {atOdds.length === 0 ? (
            <p className="text-sm text-slate-600 dark:text-slate-400">None: every live grant under this policy is one its current version would give now.</p>
          ) : (
            <>
              <p className="mb-3 text-sm">Approved under earlier rules, they keep running until you decide. Revoking removes them from their targets now (ledgered as a policy change).</p>
              <ul className="mb-3 grid gap-1 text-sm">
                {atOdds.map((g) => (
                  <li key={g.grantId}>
                    <Link href={`/access/grants/${g.grantId}`} className="underline">{g.holder}: {g.access}</Link> until <DateTime value={g.endsAt} /> — {g.reason}
                  </li>
                ))}
              </ul>
              <RevokeAtOddsButton policyId={policy.id} count={atOdds.length} />
            </>
          )}
        </Card>
      </div>
    </>
  );
}
