import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { Card, EmptyState, PageHeader, Table, Td, Th } from "@/app/_components/ui";
import { DateTime } from "@/app/_components/format";
import { StatusBadge } from "@/app/_components/status-badge";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "Ledger" };

export default async function LedgerPage() {
  const trpc = await api();
  const me = await trpc.me.get();
  if (!me.areas.ledger) redirect("/");
  const { events, total } = await trpc.ledger.recent();
  return (
    <>
      <PageHeader
        title="Ledger"
        description={`Every privileged change, append-only and hash-chained: each event commits to the one before it. ${total.toLocaleString("en")} events recorded.`}
      />
      <Card title="Latest events">
        {events.length === 0 ? (
          <EmptyState title="The ledger is empty">Events appear as people sign in, request and receive access.</EmptyState>
        ) : (
          <Table caption="Latest ledger events">
            <thead>
              <tr><Th>#</Th><Th>Time</Th><Th>Actor</Th><Th>Action</Th><Th>Outcome</Th><Th>Summary</Th><Th>Hash</Th></tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.seq}>
                  <Td className="tabular-nums text-slate-500">{e.seq}</Td>
                  <Td><DateTime value={e.occurredAt} /></Td>
                  <Td>{e.actorLabel}</Td>
                  <Td><code className="text-xs">{e.action}</code></Td>
                  <Td><StatusBadge status={e.outcome} /></Td>
                  <Td>{e.summary}</Td>
                  <Td><code className="text-xs text-slate-500" title={e.hash}>{e.hash.slice(0, 12)}…</code></Td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
    </>
  );
}
