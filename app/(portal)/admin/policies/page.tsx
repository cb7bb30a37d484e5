import type { Metadata } from "next";
import Link from "next/link";
import { DateTime, plural, TierBadge } from "@/app/_components/format";
import { Card, PageHeader, Table, Td, Th } from "@/app/_components/ui";
import { PolicySimulator } from "@/app/(portal)/admin/policies/simulator";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "Admin · Policies" };

export default async function PoliciesPage() {
  const trpc = await api();
  const [{ policies, resourcesOnTierDefault }, identities, resources] = await Promise.all([trpc.policies.list(), trpc.identities.list({}), trpc.resources.list({})]);
  return (
    <>
      <PageHeader
        title="Policies"
        description="Each resource follows its own policy or its tier's default. Every edit is a new version (recorded in the ledger); a request keeps the version it was decided under."
      />
      <div className="grid gap-6">
        <Card title="Policies">
          <Table caption="Policies">
            <thead>
              <tr><Th>Policy</Th><Th>Applies to</Th><Th>Version</Th><Th>Last change</Th></tr>
            </thead>
            <tbody>
              {policies.map((p) => (
                <tr key={p.id}>
                  <Td><Link className="font-medium text-brand-700 underline-offset-2 hover:underline dark:text-brand-100" href={`/admin/policies/${p.id}`}>{p.name}</Link></Td>
                  <Td>{p.resource ? <>{p.resource.name} <TierBadge tier={p.resource.tier} /></> : p.tier ? <>Every tier-{p.tier} resource without its own policy</> : "—"}</Td>
                  <Td className="tabular-nums">v{p.currentVersion?.version ?? "—"} <span className="text-slate-500 dark:text-slate-400">({plural(p._count.versions, "version")})</span></Td>
                  <Td><DateTime value={p.currentVersion?.createdAt} /> {p.currentVersion?.createdBy ? `by ${p.currentVersion.createdBy.name}` : ""}<span className="block text-xs text-slate-600 dark:text-slate-400">{p.currentVersion?.note}</span></Td>
                </tr>
              ))}
            </tbody>
          </Table>
          {resourcesOnTierDefault.length ? (
            <p className="mt-3 text-sm text-slate-600 dark:text-slate-400">
              On their tier default: {resourcesOnTierDefault.map((r, i) => (
                <span key={r.id}>{i ? ", " : ""}<Link className="underline" href={`/admin/policies/new?resource=${r.id}`}>{r.name}</Link></span>
              ))}. Open one to give it its own policy.
            </p>
          ) : null}
        </Card>
        <Card title="Policy simulator">
          <PolicySimulator
            identities={identities.filter((i) => i.status === "ACTIVE").map((i) => ({ id: i.id, name: i.name, kind: i.kind }))}
            resources={resources.map((r) => ({ id: r.id, name: r.name, tier: r.tier, accessLevels: r.accessLevels.map((l) => ({ id: l.id, name: l.name })) }))}
          />
        </Card>
      </div>
    </>
  );
}
