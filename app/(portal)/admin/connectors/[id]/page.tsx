import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { Card, PageHeader } from "@/app/_components/ui";
import { ConnectorForm } from "@/app/(portal)/admin/connectors/connector-form";
import type { ConnectorKindValue, FieldValue } from "@/app/(portal)/admin/connectors/fields";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "Admin · Edit connector" };

export default async function EditConnectorPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const connector = await (await api()).connectors.get({ connectorId: id }).catch((error: { code?: string }) => {
    if (error?.code === "NOT_FOUND" || error?.code === "BAD_REQUEST") notFound();
    throw error;
  });
  return (
    <>
      <PageHeader title={`Edit ${connector.name}`} description="Changes apply to new provisioning and revocation calls at once; every change is recorded in the ledger." />
      <Card>
        <ConnectorForm
          connectorId={connector.id}
          initial={{ name: connector.name, kind: connector.kind as ConnectorKindValue, settings: (connector.settings ?? {}) as Record<string, FieldValue>, hasSecret: connector.hasSecret }}
        />
      </Card>
    </>
  );
}
