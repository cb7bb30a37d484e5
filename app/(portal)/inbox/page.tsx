import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { Card, EmptyState, PageHeader, Table, Td, Th } from "@/app/_components/ui";
import { DateTime, formatDuration, TierBadge } from "@/app/_components/format";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "Approver inbox" };

export default async function InboxPage() {
  const trpc = await api();
  const me = await trpc.me.get();
  if (!me.areas.inbox) redirect("/");
  const requests = await trpc.access.inbox();
  return (
    <>
      <PageHeader title="Approver inbox" description="Requests routed to you, most urgent first. You never see your own requests here." />
      <Card>
        {requests.length === 0 ? (
          <EmptyState title="Nothing waiting for you">New requests routed to you will appear here.</EmptyState>
        ) : (
          <Table caption="Requests waiting for my decision">
            <thead>
              <tr><Th>Requester</Th><Th>Resource</Th><Th>Access</Th><Th>Duration</Th><Th>Risk</Th><Th>Due</Th></tr>
            </thead>
            <tbody>
              {requests.map((r) => (
                <tr key={r.id}>
                  <Td>{r.requester.name}</Td>
                  <Td><span className="mr-2">{r.resource.name}</span><TierBadge tier={r.resource.tier} /></Td>
                  <Td>{r.accessLevel.name}</Td>
                  <Td>{formatDuration(r.durationMinutes)}</Td>
                  <Td className="tabular-nums">{r.riskScore}</Td>
                  <Td><DateTime value={r.slaDueAt} /></Td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
    </>
  );
}
