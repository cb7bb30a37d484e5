import type { Metadata } from "next";
import Link from "next/link";
import { ButtonLink, Card, EmptyState, PageHeader, Table, Td, Th } from "@/app/_components/ui";
import { Countdown } from "@/app/_components/countdown";
import { DateTime, formatDuration, TierBadge } from "@/app/_components/format";
import { StatusBadge } from "@/app/_components/status-badge";
import { AutoRefresh } from "@/app/_components/auto-refresh";
import { ReleaseButton } from "@/app/(portal)/access/grant-actions";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "My access" };

const live = new Set(["SCHEDULED", "PROVISIONING", "ACTIVE", "REVOKING"]);

export default async function MyAccessPage() {
  const trpc = await api();
  const { requests, grants, serverNow } = await trpc.access.mine();
  const current = grants.filter((g) => live.has(g.status));
  const past = grants.filter((g) => !live.has(g.status));
  const pendingOrLive = current.length > 0 || requests.some((r) => r.status === "PENDING");
  return (
    <>
      {pendingOrLive ? <AutoRefresh seconds={5} /> : null}
      <PageHeader title="My access" description="Your grants and requests. Active access ends by itself when its window closes." actions={<><ButtonLink href="/access/tokens" variant="secondary">My API tokens</ButtonLink><ButtonLink href="/request">Request access</ButtonLink></>} />
      <div className="grid gap-6">
        <Card title="Current access">
          {current.length === 0 ? (
            <EmptyState title="You hold no access through Keycard right now" action={<ButtonLink href="/request" variant="secondary">Request access</ButtonLink>}>
              When a request is approved, the grant appears here with a countdown.
            </EmptyState>
          ) : (
            <ul className="grid gap-3">
              {current.map((g) => (
                <li key={g.id} className="flex flex-wrap items-center justify-between gap-3 rounded-md border border-slate-200 p-3 dark:border-slate-800">
                  <div>
                    <Link href={`/access/grants/${g.id}`} className="font-medium text-brand-700 underline-offset-2 hover:underline dark:text-brand-100">
                      {g.accessLevel.name} on {g.resource.name}
                    </Link>{" "}
                    <TierBadge tier={g.resource.tier} /> <StatusBadge status={g.status} />
                    {g.breakGlass ? <span className="ml-1"><StatusBadge status="BREAK_GLASS" /></span> : null}
                    <p className="text-sm text-slate-600 dark:text-slate-400">
                      {g.status === "SCHEDULED" ? <>Starts <DateTime value={g.startsAt} /></> : g.status === "ACTIVE" ? <Countdown endsAt={g.endsAt.toISOString()} serverNow={serverNow.toISOString()} /> : g.status === "REVOKING" ? "Being removed…" : "Being set up…"}
                      {" · until "}
                      <DateTime value={g.endsAt} />
                    </p>
                  </div>
                  <div className="flex gap-2">
                    <ButtonLink href={`/access/grants/${g.id}`} variant="secondary">Details</ButtonLink>
                    {g.status !== "REVOKING" ? <ReleaseButton grantId={g.id} /> : null}
                  </div>
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card title="Requests">
          {requests.length === 0 ? (
            <EmptyState title="No requests yet">Your requests and their decisions will be listed here.</EmptyState>
          ) : (
            <Table caption="My requests">
              <thead>
                <tr><Th>Resource</Th><Th>Access</Th><Th>Duration</Th><Th>Status</Th><Th>Asked</Th></tr>
              </thead>
              <tbody>
                {requests.map((r) => (
                  <tr key={r.id}>
                    <Td><Link href={`/access/requests/${r.id}`} className="mr-2 text-brand-700 underline-offset-2 hover:underline dark:text-brand-100">{r.resource.name}</Link><TierBadge tier={r.resource.tier} /></Td>
                    <Td>{r.accessLevel.name}{r.kind !== "STANDARD" ? <span className="ml-1 text-xs text-slate-500 dark:text-slate-400">({r.kind.toLowerCase().replace("_", "-")})</span> : null}</Td>
                    <Td>{formatDuration(r.durationMinutes)}</Td>
                    <Td><StatusBadge status={r.status} /></Td>
                    <Td><DateTime value={r.createdAt} /></Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
        </Card>
        {past.length ? (
          <Card title="Past grants">
            <Table caption="Past grants">
              <thead>
                <tr><Th>Resource</Th><Th>Access</Th><Th>Status</Th><Th>From</Th><Th>Ended</Th></tr>
              </thead>
              <tbody>
                {past.map((g) => (
                  <tr key={g.id}>
                    <Td><Link href={`/access/grants/${g.id}`} className="text-brand-700 underline-offset-2 hover:underline dark:text-brand-100">{g.resource.name}</Link></Td>
                    <Td>{g.accessLevel.name}</Td>
                    <Td><StatusBadge status={g.status} /></Td>
                    <Td><DateTime value={g.startsAt} /></Td>
                    <Td><DateTime value={g.revokedAt ?? g.endsAt} /></Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          </Card>
        ) : null}
      </div>
    </>
  );
}
