import type { Metadata } from "next";
import { TierBadge } from "@/app/_components/format";
import { Badge, Card, PageHeader, Table, Td, Th } from "@/app/_components/ui";
import { ResourceEditor, type EditableResource } from "@/app/(portal)/admin/resources/resource-editor";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "Admin · Resources" };

export default async function ResourcesAdminPage({ searchParams }: { searchParams: Promise<{ edit?: string }> }) {
  const { edit } = await searchParams;
  const trpc = await api();
  const { resources, connectors, groups } = await trpc.resources.adminList();
  const editing = resources.find((r) => r.id === edit);
  const toEditable = (r: (typeof resources)[number]): EditableResource => ({
    id: r.id,
    slug: r.slug,
    name: r.name,
    description: r.description ?? "",
    tier: r.tier,
    tags: r.tags,
    environment: r.environment,
    timeZone: r.timeZone,
    connectorId: r.connectorId,
    targetJson: JSON.stringify(r.target),
    ownerGroupId: r.ownerGroupId,
    fallbackGroupId: r.fallbackGroupId,
    requestable: r.requestable,
    accessLevels: r.accessLevels.map((l) => ({ id: l.id, key: l.key, name: l.name, mode: l.mode, privilegeJson: JSON.stringify(l.privilege), riskWeight: l.riskWeight })),
  });
  return (
    <>
      <PageHeader title="Resources" description="What people can request: each resource has a sensitivity tier, owners who approve, a connector into the real system, and access levels mapped to target privileges." />
      <div className="grid gap-6">
        <Card title="Resources">
          <Table caption="Resources">
            <thead>
              <tr><Th>Resource</Th><Th>Tier</Th><Th>Connector</Th><Th>Owners</Th><Th>Access levels</Th><Th>Active grants</Th><Th><span className="sr-only">Actions</span></Th></tr>
            </thead>
            <tbody>
              {resources.map((r) => (
                <tr key={r.id}>
                  <Td><span className="font-medium">{r.name}</span><code className="block text-xs text-slate-600 dark:text-slate-400">{r.slug}</code>{!r.requestable ? <Badge tone="warn">not requestable</Badge> : null}</Td>
                  <Td><TierBadge tier={r.tier} /></Td>
                  <Td>{r.connector ? `${r.connector.name}` : <span className="text-slate-500 dark:text-slate-400">none</span>}</Td>
                  <Td>{r.ownerGroup?.name ?? "—"}<span className="block text-xs text-slate-600 dark:text-slate-400">fallback: {r.fallbackGroup?.name ?? "—"}</span></Td>
                  <Td><span className="flex flex-wrap gap-1">{r.accessLevels.map((l) => <Badge key={l.id} tone="info">{l.name}</Badge>)}</span></Td>
                  <Td className="tabular-nums">{r._count.grants}</Td>
                  <Td className="text-right"><a className="underline" href={`/admin/resources?edit=${r.id}#editor`}>Edit</a></Td>
                </tr>
              ))}
            </tbody>
          </Table>
        </Card>
        <Card title={editing ? `Edit ${editing.name}` : "New resource"}>
          <div id="editor">
            <ResourceEditor
              key={editing?.id ?? "new"}
              initial={editing ? toEditable(editing) : undefined}
              connectors={connectors}
              groups={groups.filter((g) => g.kind !== "IDP")}
            />
          </div>
        </Card>
      </div>
    </>
  );
}
