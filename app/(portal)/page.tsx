import Link from "next/link";
import { ButtonLink, Card, PageHeader, Stat } from "@/app/_components/ui";
import { api } from "@/server/trpc/server";

export default async function HomePage() {
  const trpc = await api();
  const [me, overview] = await Promise.all([trpc.me.get(), trpc.access.overview()]);
  const firstName = me.name.split(" ")[0];
  return (
    <>
      <PageHeader
        title={`Hello, ${firstName}`}
        description="Ask for access when you need it, for as long as you need it. Keycard removes it when the window closes."
        actions={me.areas.request ? <ButtonLink href="/request">Request access</ButtonLink> : null}
      />
      <dl className="grid gap-4 sm:grid-cols-3">
        <Stat label="Active or upcoming grants" value={overview.activeGrants} hint={<Link className="underline" href="/access">My access</Link>} />
        <Stat label="My pending requests" value={overview.pendingRequests} />
        {me.areas.inbox ? <Stat label="Waiting for my decision" value={overview.inbox} hint={<Link className="underline" href="/inbox">Open inbox</Link>} /> : null}
      </dl>
      <div className="mt-6 grid gap-4 md:grid-cols-3">
        <Card title="1 · Request">
          <p className="text-sm text-slate-600 dark:text-slate-300">Pick a resource and an access level, say why and for how long. Policy shows you what will happen before you submit.</p>
        </Card>
        <Card title="2 · Approve">
          <p className="text-sm text-slate-600 dark:text-slate-300">Low-risk access is approved by policy; sensitive access goes to approvers who never approve their own requests.</p>
        </Card>
        <Card title="3 · Expire">
          <p className="text-sm text-slate-600 dark:text-slate-300">Access is provisioned in the real system for the window you asked for, then removed automatically — and every step is in the ledger.</p>
        </Card>
      </div>
    </>
  );
}
