import type { Metadata } from "next";
import { Card, PageHeader } from "@/app/_components/ui";
import { ConnectorForm } from "@/app/(portal)/admin/connectors/connector-form";

export const metadata: Metadata = { title: "Admin · New connector" };

export default function NewConnectorPage() {
  return (
    <>
      <PageHeader title="New connector" description="Test the connection before saving: Keycard checks that it can reach the target, that the credentials work, and that its user has the rights it needs." />
      <Card>
        <ConnectorForm />
      </Card>
    </>
  );
}
