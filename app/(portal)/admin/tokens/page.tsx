import type { Metadata } from "next";
import { PageHeader } from "@/app/_components/ui";
import { TokensManager } from "@/app/(portal)/admin/tokens/tokens-manager";
import { api } from "@/server/trpc/server";

/** Server-side, so the client list renders the same on every render. */
function hasExpired(date: Date): boolean {
  return date.getTime() < Date.now();
}

export const metadata: Metadata = { title: "Admin · API tokens" };

export default async function TokensPage() {
  const trpc = await api();
  const [tokens, identities] = await Promise.all([trpc.tokens.list(), trpc.identities.list({})]);
  return (
    <>
      <PageHeader
        title="API tokens"
        description="Bearer tokens for machines and integrations (HTTP API at /api/v1). A token is shown once, stored only as a hash, always expires, and acts with its identity's roles limited to its scopes."
      />
      <TokensManager
        tokens={tokens.map((t) => ({ ...t, expired: hasExpired(t.expiresAt), expiresAt: t.expiresAt.toISOString(), revokedAt: t.revokedAt?.toISOString() ?? null, lastUsedAt: t.lastUsedAt?.toISOString() ?? null, createdAt: t.createdAt.toISOString() }))}
        identities={identities.filter((i) => i.status === "ACTIVE").map((i) => ({ id: i.id, name: i.name, kind: i.kind }))}
      />
    </>
  );
}
