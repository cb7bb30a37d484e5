import type { Metadata } from "next";
import { ButtonLink, Card, EmptyState, PageHeader, Table, Td, Th } from "@/app/_components/ui";
import { DateTime, formatDuration, TierBadge } from "@/app/_components/format";
import { StatusBadge } from "@/app/_components/status-badge";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "My access" };

export default async function MyAccessPage() {
  const trpc = await api();
  const { requests, grants } = await trpc.access.mine();
  return (
    <>
      <PageHeader title="My access" description="Your grants and requests. Active access ends by itself when its window closes." actions={<ButtonLink href="/request">Request access</ButtonLink>} />
      <div className="grid gap-6">
        <Card title="Grants">
          {grants.length === 0 ? (
            <EmptyState title="You hold no access through Keycard">When a request is approved, the grant appears here with its window.</EmptyState>
          ) : (
            <Table caption="My grants">
              <thead>
                <tr><Th>Resource</Th><Th>Access</Th><Th>Status</Th><Th>From</Th><Th>Until</Th></tr>
              </thead>
              <tbody>
                {grants.map((g) => (
                  <tr key={g.id}>
                    <Td><span className="mr-2">{g.resource.name}</span><TierBadge tier={g.resource.tier} /></Td>
                    <Td>{g.accessLevel.name}{g.breakGlass ? " (break-glass)" : ""}</Td>
                    <Td><StatusBadge status={g.status} /></Td>
                    <Td><DateTime value={g.startsAt} /></Td>
                    <Td><DateTime value={g.revokedAt ?? g.endsAt} /></Td>
                  </tr>
                ))}
              </tbody>
            </Table>
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
                    <Td><span className="mr-2">{r.resource.name}</span><TierBadge tier={r.resource.tier} /></Td>
                    <Td>{r.accessLevel.name}</Td>
                    <Td>{formatDuration(r.durationMinutes)}</Td>
                    <Td><StatusBadge status={r.status} /></Td>
                    <Td><DateTime value={r.createdAt} /></Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
        </Card>
      </div>
    </>
  );
}
