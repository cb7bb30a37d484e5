import type { Metadata } from "next";
import { EmptyState, PageHeader } from "@/app/_components/ui";
import { BreakGlassForm } from "@/app/(portal)/break-glass/break-glass-form";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "Break-glass" };

export default async function BreakGlassPage() {
  const trpc = await api();
  const resources = await trpc.resources.breakGlassList();
  return (
    <>
      <PageHeader
        title="Break-glass"
        description="Emergency access, granted at once without approval, for a short window. Security is alerted immediately, the ledger marks it, and another admin must review it afterwards. Use it only when waiting for approval would cause harm."
      />
      {resources.length === 0 ? (
        <EmptyState title="No resource allows break-glass">No policy in force allows emergency access. Request access as usual, or ask an admin which resources should allow it.</EmptyState>
      ) : (
        <BreakGlassForm resources={resources} />
      )}
    </>
  );
}
