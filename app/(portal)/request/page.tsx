import type { Metadata } from "next";
import { Badge, Card, EmptyState, PageHeader } from "@/app/_components/ui";
import { TierBadge } from "@/app/_components/format";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "Request access" };

export default async function RequestPage({ searchParams }: { searchParams: Promise<{ q?: string; tier?: string }> }) {
  const params = await searchParams;
  const trpc = await api();
  const tier = params.tier && /^[123]$/.test(params.tier) ? Number(params.tier) : undefined;
  const resources = await trpc.resources.list({ q: params.q?.slice(0, 200), tier });
  return (
    <>
      <PageHeader title="Request access" description="Find the system you need. Every resource shows its sensitivity tier and the access levels you can ask for." />
      <form role="search" className="mb-4 flex flex-wrap items-end gap-2" action="/request">
        <div className="grow">
          <label htmlFor="q" className="mb-1 block text-sm font-medium">Search resources</label>
          <input id="q" name="q" defaultValue={params.q ?? ""} placeholder="Name, tag or owner (e.g. orders, payments, analytics)" className="w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900" />
        </div>
        <div>
          <label htmlFor="tier" className="mb-1 block text-sm font-medium">Tier</label>
          <select id="tier" name="tier" defaultValue={tier ? String(tier) : ""} className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900">
            <option value="">Any tier</option>
            <option value="1">Tier 1 (most sensitive)</option>
            <option value="2">Tier 2</option>
            <option value="3">Tier 3</option>
          </select>
        </div>
        <button type="submit" className="rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium hover:bg-slate-50 dark:border-slate-700 dark:bg-slate-900 dark:hover:bg-slate-800">Search</button>
      </form>
      {resources.length === 0 ? (
        <EmptyState title="No resources match">Try another name or tag, or clear the tier filter.</EmptyState>
      ) : (
        <ul className="grid gap-3 md:grid-cols-2">
          {resources.map((resource) => (
            <li key={resource.id}>
              <Card>
                <div className="flex items-start justify-between gap-2">
                  <div>
                    <h2 className="font-semibold">{resource.name}</h2>
                    <p className="text-sm text-slate-600 dark:text-slate-400">{resource.description}</p>
                  </div>
                  <TierBadge tier={resource.tier} />
                </div>
                <p className="mt-2 text-xs text-slate-500 dark:text-slate-400">
                  {resource.connector ? `${resource.connector.name} · ` : ""}
                  {resource.environment}
                  {resource.ownerGroup ? ` · owned by ${resource.ownerGroup.name}` : resource.owner ? ` · owned by ${resource.owner.name}` : ""}
                </p>
                <div className="mt-3 flex flex-wrap gap-1" aria-label="Access levels">
                  {resource.accessLevels.map((level) => (
                    <Badge key={level.id} tone="info">{level.name}{level.mode === "EPHEMERAL_CREDENTIAL" ? " · own login" : ""}</Badge>
                  ))}
                  {resource.tags.map((tag) => (
                    <Badge key={tag}>#{tag}</Badge>
                  ))}
                </div>
              </Card>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
