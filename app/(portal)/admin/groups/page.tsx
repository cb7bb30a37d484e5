import type { Metadata } from "next";
import Link from "next/link";
import { Badge, Card, EmptyState, PageHeader, Table, Td, Th } from "@/app/_components/ui";
import { NewGroupForm } from "@/app/(portal)/admin/groups/group-forms";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "Admin · Groups" };

const kindLabel = { TEAM: "team", APPROVERS: "approvers", IDP: "identity provider" } as const;

export default async function GroupsPage() {
  const trpc = await api();
  const groups = await trpc.groups.list();
  return (
    <>
      <PageHeader
        title="Groups"
        description="Teams and approver groups decide who approves what: a resource's owner group approves its requests, a team's lead approves where a policy asks for one, and on-call shifts say who is on call now. Changes apply to waiting requests at once."
      />
      <NewGroupForm />
      <Card>
        {groups.length === 0 ? (
          <EmptyState title="No groups yet">Create the first team or approver group above.</EmptyState>
        ) : (
          <Table caption="Groups">
            <thead>
              <tr><Th>Group</Th><Th>Kind</Th><Th>Members</Th><Th>Resources owned</Th><Th>On call now</Th></tr>
            </thead>
            <tbody>
              {groups.map((g) => (
                <tr key={g.id}>
                  <Td>
                    <Link href={`/admin/groups/${g.id}`} className="font-medium text-brand-700 underline-offset-2 hover:underline dark:text-brand-100">{g.name}</Link>
                    <code className="block text-xs text-slate-500 dark:text-slate-400">{g.slug}{g.idpGroup ? ` · from IdP group ${g.idpGroup}` : ""}</code>
                  </Td>
                  <Td><Badge tone={g.kind === "APPROVERS" ? "info" : "neutral"}>{kindLabel[g.kind]}</Badge></Td>
                  <Td className="tabular-nums">{g._count.members}</Td>
                  <Td className="tabular-nums">{g._count.ownedResources}</Td>
                  <Td>{g.onCallShifts.length ? g.onCallShifts.map((s) => s.identity.name).join(", ") : <span className="text-slate-500 dark:text-slate-400">—</span>}</Td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
    </>
  );
}
