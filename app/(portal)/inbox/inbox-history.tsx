"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { DateTime, formatDuration, TierBadge } from "@/app/_components/format";
import { StatusBadge } from "@/app/_components/status-badge";
import { Badge, Card, EmptyState, Table, Td, Th } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";

export function InboxHistory({ filters }: { filters: { q?: string; tier?: number } }) {
  const trpc = useTRPC();
  const history = useQuery(trpc.requests.inbox.queryOptions({ tab: "history", ...filters }));
  if (history.isPending) return <p role="status" className="text-sm text-slate-600 dark:text-slate-400">Loading your decisions…</p>;
  const rows = history.data?.history ?? [];
  return (
    <Card>
      {rows.length === 0 ? (
        <EmptyState title="You have not decided any request yet" />
      ) : (
        <Table caption="My decisions">
          <thead>
            <tr><Th>When</Th><Th>Requester</Th><Th>Access</Th><Th>My decision</Th><Th>Outcome</Th><Th>Comment</Th></tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <tr key={d.id}>
                <Td><DateTime value={d.at} /></Td>
                <Td>{d.request.requester.name}</Td>
                <Td><Link className="text-brand-700 underline-offset-2 hover:underline dark:text-brand-100" href={`/access/requests/${d.request.id}`}>{d.request.accessLevel.name} on {d.request.resource.name}</Link> <TierBadge tier={d.request.resource.tier} /> <span className="text-xs text-slate-500 dark:text-slate-400">{formatDuration(d.request.durationMinutes)}</span></Td>
                <Td><Badge tone={d.decision === "APPROVE" ? "good" : "bad"}>{d.decision === "APPROVE" ? "approved" : "denied"}</Badge></Td>
                <Td><StatusBadge status={d.request.status} /></Td>
                <Td className="max-w-xs truncate">{d.comment ?? "—"}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </Card>
  );
}
