"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { describeError } from "@/app/_components/errors";
import { DateTime } from "@/app/_components/format";
import { Badge, Button, Card, EmptyState, Table, Td, Th } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";
import type { TokenScope } from "@/server/auth/permissions";

const scopeHelp: Record<TokenScope, string> = {
  "resources:read": "list requestable resources",
  "requests:write": "create requests and read their status",
  "grants:write": "list and release its grants",
  "decisions:write": "approve or deny (chat-ops; the identity must be an approver)",
  "usage:write": "send usage events (admin identities)",
};

interface TokenRow {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  expiresAt: string;
  revokedAt: string | null;
  expired: boolean;
  lastUsedAt: string | null;
  identity: { id: string; name: string; kind: string };
  createdBy: { name: string };
}

export function TokensManager({ tokens, identities }: { tokens: TokenRow[]; identities: { id: string; name: string; kind: string }[] }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [identityId, setIdentityId] = useState(identities.find((i) => i.kind === "MACHINE")?.id ?? identities[0]?.id ?? "");
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<TokenScope[]>(["resources:read", "requests:write", "grants:write"]);
  const [days, setDays] = useState(30);
  const [copied, setCopied] = useState(false);
  const create = useMutation(trpc.tokens.create.mutationOptions({ onSuccess: () => router.refresh() }));
  const revoke = useMutation(trpc.tokens.revoke.mutationOptions({ onSuccess: () => router.refresh() }));

  return (
    <div className="grid gap-6">
      <Card title="New token">
        <form
          className="grid gap-4 md:grid-cols-2"
          onSubmit={(event) => {
            event.preventDefault();
            setCopied(false);
            create.mutate({ identityId, name, scopes, expiresInDays: days });
          }}
        >
          <div>
            <label htmlFor="token-identity" className="mb-1 block text-sm font-medium">Identity</label>
            {identities.length === 1 ? (
              // One's own tokens: nothing to choose.
              <input id="token-identity" readOnly value={identities[0]!.name} className="w-full rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-sm dark:border-slate-800 dark:bg-slate-950" />
            ) : (
              <select id="token-identity" value={identityId} onChange={(e) => setIdentityId(e.target.value)} className="w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900">
                {identities.map((i) => (
                  <option key={i.id} value={i.id}>{i.name}{i.kind === "MACHINE" ? " (machine)" : ""}</option>
                ))}
              </select>
            )}
          </div>
          <div>
            <label htmlFor="token-name" className="mb-1 block text-sm font-medium">Name</label>
            <input id="token-name" required minLength={3} maxLength={80} value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. deploy pipeline (prod)" className="w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900" />
          </div>
          <fieldset>
            <legend className="mb-1 text-sm font-medium">Scopes</legend>
            {(Object.entries(scopeHelp) as [TokenScope, string][]).map(([scope, help]) => (
              <label key={scope} className="flex items-start gap-2 py-0.5 text-sm">
                <input type="checkbox" className="mt-1" checked={scopes.includes(scope)} onChange={(e) => setScopes(e.target.checked ? [...scopes, scope] : scopes.filter((s) => s !== scope))} />
                <span><code>{scope}</code> <span className="text-slate-500 dark:text-slate-400">— {help}</span></span>
              </label>
            ))}
          </fieldset>
          <div>
            <label htmlFor="token-days" className="mb-1 block text-sm font-medium">Expires after</label>
            <select id="token-days" value={days} onChange={(e) => setDays(Number(e.target.value))} className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900">
              {[1, 7, 30, 90, 365].map((d) => <option key={d} value={d}>{d === 1 ? "1 day" : `${d} days`}</option>)}
            </select>
            <div className="mt-4">
              <Button type="submit" disabled={create.isPending}>{create.isPending ? "Creating…" : "Create token"}</Button>
            </div>
          </div>
          {create.error ? <p role="alert" className="text-sm text-red-700 md:col-span-2 dark:text-red-300">{describeError(create.error)}</p> : null}
        </form>
        {create.data ? (
          <div role="status" className="mt-4 rounded-md border border-emerald-300 bg-emerald-50 p-4 text-sm dark:border-emerald-800 dark:bg-emerald-950">
            <p className="font-medium">Token “{create.data.name}” created. Copy it now: it will not be shown again.</p>
            <div className="mt-2 flex flex-wrap items-center gap-2">
              <code data-testid="new-token" className="break-all rounded bg-white px-2 py-1 dark:bg-slate-900">{create.data.secret}</code>
              <Button
                type="button"
                variant="secondary"
                onClick={async () => {
                  await navigator.clipboard?.writeText(create.data.secret).catch(() => undefined);
                  setCopied(true);
                }}
              >
                {copied ? "Copied" : "Copy"}
              </Button>
            </div>
          </div>
        ) : null}
      </Card>
      <Card title="Tokens">
        {tokens.length === 0 ? (
          <EmptyState title="No API tokens yet">Create one above for a script, a pipeline or a chat-ops bot.</EmptyState>
        ) : (
          <Table caption="API tokens">
            <thead>
              <tr><Th>Name</Th><Th>Identity</Th><Th>Scopes</Th><Th>Expires</Th><Th>Last used</Th><Th>Status</Th><Th><span className="sr-only">Actions</span></Th></tr>
            </thead>
            <tbody>
              {tokens.map((t) => {
                const expired = t.expired;
                return (
                  <tr key={t.id}>
                    <Td><span className="font-medium">{t.name}</span><code className="block text-xs text-slate-500 dark:text-slate-400">{t.prefix}…</code></Td>
                    <Td>{t.identity.name}</Td>
                    <Td><span className="flex flex-wrap gap-1">{t.scopes.map((s) => <Badge key={s}>{s}</Badge>)}</span></Td>
                    <Td><DateTime value={t.expiresAt} /></Td>
                    <Td><DateTime value={t.lastUsedAt} /></Td>
                    <Td>{t.revokedAt ? <Badge tone="neutral">revoked</Badge> : expired ? <Badge tone="warn">expired</Badge> : <Badge tone="good">active</Badge>}</Td>
                    <Td className="text-right">
                      {t.revokedAt ? null : (
                        <Button variant="secondary" disabled={revoke.isPending} onClick={() => revoke.mutate({ tokenId: t.id })} aria-label={`Revoke token ${t.name}`}>Revoke</Button>
                      )}
                    </Td>
                  </tr>
                );
              })}
            </tbody>
          </Table>
        )}
        {revoke.error ? <p role="alert" className="mt-2 text-sm text-red-700 dark:text-red-300">{describeError(revoke.error)}</p> : null}
      </Card>
    </div>
  );
}
