import type { Metadata } from "next";
import { Badge, Card, EmptyState, PageHeader, Table, Td, Th } from "@/app/_components/ui";
import { DateTime } from "@/app/_components/format";
import { IdentityStatusButton } from "@/app/(portal)/admin/identities/status-button";
import { NewMachineForm } from "@/app/(portal)/admin/identities/new-machine-form";
import { TargetLoginCell } from "@/app/(portal)/admin/identities/target-login-form";
import { rolesAllow } from "@/server/auth/permissions";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "Admin · Identities" };

export default async function IdentitiesPage({ searchParams }: { searchParams: Promise<{ q?: string; kind?: string }> }) {
  const params = await searchParams;
  const trpc = await api();
  const me = await trpc.me.get();
  const kind = params.kind === "MACHINE" || params.kind === "HUMAN" ? params.kind : undefined;
  const [identities, people] = await Promise.all([trpc.identities.list({ q: params.q?.slice(0, 200), kind }), trpc.identities.list({ kind: "HUMAN" })]);
  return (
    <>
      <PageHeader title="Identities" description="People sign in through single sign-on; machine identities use API tokens. Disabling one cuts its access at once: sessions and tokens stop working, pending requests are cancelled and live grants revoked in their targets." />
      <NewMachineForm people={people.filter((p) => p.status === "ACTIVE").map((p) => ({ id: p.id, name: p.name }))} />
      <form role="search" action="/admin/identities" className="mb-4 flex flex-wrap items-end gap-2">
        <div className="grow">
          <label htmlFor="q" className="mb-1 block text-sm font-medium">Search</label>
          <input id="q" name="q" defaultValue={params.q ?? ""} placeholder="Name or email" className="w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900" />
        </div>
        <div>
          <label htmlFor="kind" className="mb-1 block text-sm font-medium">Kind</label>
          <select id="kind" name="kind" defaultValue={kind ?? ""} className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900">
            <option value="">People and machines</option>
            <option value="HUMAN">People</option>
            <option value="MACHINE">Machines</option>
          </select>
        </div>
        <button type="submit" className="rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium hover:bg-slate-50 dark:border-slate-700 dark:bg-slate-900 dark:hover:bg-slate-800">Filter</button>
      </form>
      <Card>
        {identities.length === 0 ? (
          <EmptyState title="Nobody matches">Try another name, or clear the filter.</EmptyState>
        ) : (
          <Table caption="Identities">
            <thead>
              <tr><Th>Name</Th><Th>Kind</Th><Th>Roles</Th><Th>Login in targets</Th><Th>Status</Th><Th>Last seen</Th><Th>Tokens</Th><Th><span className="sr-only">Actions</span></Th></tr>
            </thead>
            <tbody>
              {identities.map((identity) => (
                <tr key={identity.id}>
                  <Td>
                    <span className="font-medium">{identity.name}</span>
                    <span className="block text-xs text-slate-500 dark:text-slate-400">{identity.email ?? (identity.owner ? `owned by ${identity.owner.name}` : identity.title)}</span>
                  </Td>
                  <Td>{identity.kind === "MACHINE" ? "machine" : "person"}</Td>
                  <Td>
                    <span className="flex flex-wrap gap-1">{identity.roles.map((r) => <Badge key={r}>{r.toLowerCase()}</Badge>)}</span>
                    {identity.memberships.length > 0 && !rolesAllow(identity.roles, "requests:decide") ? (
                      <span className="mt-1 block text-xs text-amber-800 dark:text-amber-300">
                        In {identity.memberships.map((m) => m.group.name).join(", ")} but not asked to approve: needs the approver role.
                      </span>
                    ) : null}
                  </Td>
                  <Td><TargetLoginCell identityId={identity.id} name={identity.name} login={identity.login} /></Td>
                  <Td>{identity.status === "ACTIVE" ? <Badge tone="good">active</Badge> : <Badge tone="bad">disabled</Badge>}</Td>
                  <Td><DateTime value={identity.lastSeenAt} /></Td>
                  <Td className="tabular-nums">{identity._count.apiTokens}</Td>
                  <Td className="text-right">
                    {identity.id === me.id ? null : <IdentityStatusButton identityId={identity.id} name={identity.name} status={identity.status} />}
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
    </>
  );
}
