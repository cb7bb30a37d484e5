import type { Metadata } from "next";
import { PageHeader } from "@/app/_components/ui";
import { BreakGlassForm } from "@/app/(portal)/break-glass/break-glass-form";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "Break-glass" };

export default async function BreakGlassPage() {
  const trpc = await api();
  const resources = await trpc.resources.list({});
  return (
    <>
      <PageHeader
        title="Break-glass"
        description="Emergency access, granted at once without approval, for a short window. Security is alerted immediately, the ledger marks it, and another admin must review it afterwards. Use it only when waiting for approval would cause harm."
      />
      <BreakGlassForm resources={resources.filter((r) => r.tier <= 2).map((r) => ({ id: r.id, name: r.name, tier: r.tier, accessLevels: r.accessLevels.map((l) => ({ id: l.id, name: l.name })) }))} />
    </>
  );
}
