import type { Metadata } from "next";
import { PageHeader } from "@/app/_components/ui";
import { tokenRows } from "@/app/(portal)/admin/tokens/rows";
import { TokensManager } from "@/app/(portal)/admin/tokens/tokens-manager";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "My API tokens" };

/** A person's own tokens: a token acts as its person, so only they create it (docs/api.md). */
export default async function MyTokensPage() {
  const trpc = await api();
  const [tokens, me] = await Promise.all([trpc.tokens.mine(), trpc.me.get()]);
  return (
    <>
      <PageHeader
        title="My API tokens"
        description="Tokens for your own scripts and chat-ops bots (HTTP API at /api/v1). A token acts as you, with your roles limited to its scopes; it is shown once, stored only as a hash, and always expires. Revoke one the moment you no longer need it."
      />
      <TokensManager
        tokens={tokenRows(tokens)}
        identities={[{ id: me.id, name: me.name, kind: "HUMAN" }]}
      />
    </>
  );
}
