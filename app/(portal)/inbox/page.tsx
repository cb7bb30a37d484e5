import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { PageHeader } from "@/app/_components/ui";
import { InboxHistory } from "@/app/(portal)/inbox/inbox-history";
import { InboxList } from "@/app/(portal)/inbox/inbox-list";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "Approver inbox" };

export default async function InboxPage({ searchParams }: { searchParams: Promise<{ tab?: string; q?: string; tier?: string; request?: string }> }) {
  const params = await searchParams;
  const trpc = await api();
  const me = await trpc.me.get();
  if (!me.areas.inbox) redirect("/");
  const tab = params.tab === "history" ? "history" : "pending";
  const tier = params.tier && /^[123]$/.test(params.tier) ? Number(params.tier) : undefined;
  const q = params.q?.slice(0, 200);
  return (
    <>
      <PageHeader title="Approver inbox" description="Requests routed to you, most urgent first. You never see your own requests here." />
      <nav aria-label="Inbox views" className="mb-4 flex gap-4 border-b border-slate-200 text-sm dark:border-slate-800">
        {(["pending", "history"] as const).map((t) => (
          <Link
            key={t}
            href={`/inbox?tab=${t}`}
            aria-current={tab === t ? "page" : undefined}
            className={`-mb-px border-b-2 px-1 pb-2 font-medium ${tab === t ? "border-brand-600 text-brand-700 dark:text-white" : "border-transparent text-slate-600 dark:text-slate-300"}`}
          >
            {t === "pending" ? "To decide" : "My decisions"}
          </Link>
        ))}
      </nav>
      {tab === "pending" ? <InboxList filters={{ q, tier }} focusRequestId={params.request} /> : <InboxHistory filters={{ q, tier }} />}
    </>
  );
}
