import type { Metadata } from "next";
import Link from "next/link";
import { PageHeader } from "@/app/_components/ui";
import { RequestForm } from "@/app/(portal)/request/request-form";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "Request access" };

export default async function RequestPage({ searchParams }: { searchParams: Promise<{ resource?: string; level?: string }> }) {
  const params = await searchParams;
  const trpc = await api();
  const resources = await trpc.resources.list({});
  const initial = resources.find((r) => r.id === params.resource || r.slug === params.resource);
  return (
    <>
      <PageHeader
        title="Request access"
        description={
          <>
            Ask for exactly what you need, for as long as you need it. “What will happen” shows what the policy will decide before you submit.{" "}
            In an emergency, use <Link className="underline" href="/break-glass">break-glass</Link>.
          </>
        }
      />
      <RequestForm
        resources={resources.map((r) => ({
          id: r.id,
          slug: r.slug,
          name: r.name,
          description: r.description,
          tier: r.tier,
          tags: r.tags,
          environment: r.environment,
          owner: r.ownerGroup?.name ?? r.owner?.name ?? null,
          accessLevels: r.accessLevels,
        }))}
        initialResourceId={initial?.id}
        initialLevelKey={params.level}
      />
    </>
  );
}
