import type { Metadata } from "next";
import { PageHeader } from "@/app/_components/ui";
import { tokenRows } from "@/app/(portal)/admin/tokens/rows";
import { TokensManager } from "@/app/(portal)/admin/tokens/tokens-manager";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "Admin · API tokens" };

export default async function TokensPage() {
  const trpc = await api();
  const [tokens, identities, me] = await Promise.all([trpc.tokens.list(), trpc.identities.list({}), trpc.me.get()]);
  return (
    <>
      <PageHeader
        title="API tokens"
        description="Bearer tokens for machines and integrations (HTTP API at /api/v1). A token is shown once, stored only as a hash, always expires, and acts with its identity's roles limited to its scopes. Whoever holds a token acts as its identity: you can issue tokens for machine identities and for yourself, never for another person, and you cannot decide requests made by a machine whose token you issued."
      />
      <TokensManager
        tokens={tokenRows(tokens)}
        identities={identities.filter((i) => i.status === "ACTIVE" && (i.kind === "MACHINE" || i.id === me.id)).map((i) => ({ id: i.id, name: i.id === me.id ? `${i.name} (you)` : i.name, kind: i.kind }))}
      />
    </>
  );
}
