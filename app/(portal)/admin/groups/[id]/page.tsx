import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { DateTime } from "@/app/_components/format";
import { Badge, Card, EmptyState, PageHeader, Table, Td, Th } from "@/app/_components/ui";
import { AddMemberForm, AddShiftForm, MemberActions, RemoveShiftButton } from "@/app/(portal)/admin/groups/group-forms";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "Admin · Group" };

export default async function GroupPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const trpc = await api();
  const [group, people] = await Promise.all([
    trpc.groups.get({ groupId: id }).catch((error: { code?: string }) => {
      if (error?.code === "NOT_FOUND" || error?.code === "BAD_REQUEST") notFound();
      throw error;
    }),
    trpc.identities.list({}),
  ]);
  const memberIds = new Set(group.members.map((m) => m.identity.id));
  const candidates = people.filter((p) => p.status === "ACTIVE" && !memberIds.has(p.id) && (p.kind === "HUMAN" || group.kind === "TEAM")).map((p) => ({ id: p.id, name: p.name }));
  const members = group.members.filter((m) => m.identity.status === "ACTIVE").map((m) => ({ id: m.identity.id, name: m.identity.name }));
  const now = new Date();
  return (
    <>
      <PageHeader
        title={group.name}
        description={
          <>
            <code>{group.slug}</code> · {group.kind === "TEAM" ? "team" : group.kind === "APPROVERS" ? "approver group" : "identity provider group"}
            {group.description ? ` · ${group.description}` : ""}. <Link href="/admin/groups" className="underline">All groups</Link>
          </>
        }
      />
      <div className="grid gap-6">
        <Card title={`Members (${group.members.length})`}>
          {group.idpGroup ? (
            <p className="mb-4 text-sm text-slate-600 dark:text-slate-400">
              Members come from the identity-provider group <code>{group.idpGroup}</code>: people join or leave when they sign in.
            </p>
          ) : (
            <AddMemberForm groupId={group.id} candidates={candidates} team={group.kind === "TEAM"} />
          )}
          {group.members.length === 0 ? (
            <EmptyState title="Nobody in this group yet">Requests routed to it wait for nobody until someone joins.</EmptyState>
          ) : (
            <Table caption={`Members of ${group.name}`}>
              <thead>
                <tr><Th>Name</Th><Th>Roles</Th><Th>Status</Th><Th><span className="sr-only">Actions</span></Th></tr>
              </thead>
              <tbody>
                {group.members.map((m) => (
                  <tr key={m.identity.id}>
                    <Td>
                      <span className="font-medium">{m.identity.name}</span> {m.isLead ? <Badge tone="info">lead</Badge> : null}
                      <span className="block text-xs text-slate-500 dark:text-slate-400">{m.identity.kind === "MACHINE" ? "machine" : (m.identity.title ?? "")}</span>
                    </Td>
                    <Td><span className="flex flex-wrap gap-1">{m.identity.roles.map((r) => <Badge key={r}>{r.toLowerCase()}</Badge>)}</span></Td>
                    <Td>{m.identity.status === "ACTIVE" ? <Badge tone="good">active</Badge> : <Badge tone="bad">disabled</Badge>}</Td>
                    <Td className="text-right"><MemberActions groupId={group.id} identityId={m.identity.id} name={m.identity.name} isLead={m.isLead} team={group.kind === "TEAM"} removable={!group.idpGroup} /></Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
        </Card>

        <Card title="On-call shifts">
          <AddShiftForm groupId={group.id} members={members} />
          {group.onCallShifts.length === 0 ? (
            <EmptyState title="No on-call shifts">Add shifts for policies that route to this group&apos;s on-call (<code>oncall:{group.slug}</code>) or relax rules for whoever is on call.</EmptyState>
          ) : (
            <Table caption={`On-call shifts of ${group.name}`}>
              <thead>
                <tr><Th>Who</Th><Th>From</Th><Th>Until</Th><Th>Now</Th><Th><span className="sr-only">Actions</span></Th></tr>
              </thead>
              <tbody>
                {group.onCallShifts.map((s) => {
                  const current = s.startsAt <= now && s.endsAt > now;
                  return (
                    <tr key={s.id}>
                      <Td className="font-medium">{s.identity.name}</Td>
                      <Td><DateTime value={s.startsAt} /></Td>
                      <Td><DateTime value={s.endsAt} /></Td>
                      <Td>{current ? <Badge tone="good">on call</Badge> : s.endsAt <= now ? <span className="text-slate-500 dark:text-slate-400">over</span> : null}</Td>
                      <Td className="text-right">{s.endsAt > now ? <RemoveShiftButton shiftId={s.id} label={`${s.identity.name}'s shift`} /> : null}</Td>
                    </tr>
                  );
                })}
              </tbody>
            </Table>
          )}
        </Card>

        <Card title="Resources">
          {group.ownedResources.length + group.fallbackFor.length === 0 ? (
            <p className="text-sm text-slate-600 dark:text-slate-400">No resource names this group as its owners or fallback approvers.</p>
          ) : (
            <ul className="grid gap-1 text-sm">
              {group.ownedResources.map((r) => <li key={`o-${r.id}`}>Owns <Link href={`/admin/resources?edit=${r.id}#editor`} className="underline">{r.name}</Link></li>)}
              {group.fallbackFor.map((r) => <li key={`f-${r.id}`}>Fallback approvers of <Link href={`/admin/resources?edit=${r.id}#editor`} className="underline">{r.name}</Link></li>)}
            </ul>
          )}
        </Card>
      </div>
    </>
  );
}
