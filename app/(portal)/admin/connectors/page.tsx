import type { Metadata } from "next";
import Link from "next/link";
import { AutoRefresh } from "@/app/_components/auto-refresh";
import { DateTime } from "@/app/_components/format";
import { Badge, ButtonLink, Card, EmptyState, PageHeader, Table, Td, Th } from "@/app/_components/ui";
import { ConnectorActions } from "@/app/(portal)/admin/connectors/connector-actions";
import { connectorKindOptions, describeTarget } from "@/app/(portal)/admin/connectors/fields";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "Admin · Connectors" };

const healthTone = { HEALTHY: "good", DEGRADED: "warn", FAILING: "bad", UNKNOWN: "neutral" } as const;
const kindLabel = Object.fromEntries(connectorKindOptions.map((o) => [o.value, o.label]));
const driftLabel: Record<string, string> = {
  present_after_end: "present after its end — removed",
  missing_while_active: "missing while active — restored",
  late_provision_removed: "re-created by a late provision — removed",
};

export default async function ConnectorsPage() {
  const connectors = await (await api()).connectors.list();
  const failingTotal = connectors.reduce((n, c) => n + c.failingRevocations.length, 0);
  return (
    <>
      {failingTotal ? <AutoRefresh seconds={10} /> : null}
      <PageHeader
        title="Connectors"
        description="The target systems Keycard provisions into and revokes from. Health comes from the last test or reconciliation; failing revocations keep retrying until they succeed."
        actions={<ButtonLink href="/admin/connectors/new">New connector</ButtonLink>}
      />
      {connectors.length === 0 ? (
        <EmptyState title="No connectors yet" action={<ButtonLink href="/admin/connectors/new">New connector</ButtonLink>}>
          A connector links resources to a real PostgreSQL, MariaDB or Redis server, or to your own automation through a signed webhook.
        </EmptyState>
      ) : (
        <div className="grid gap-6">
          {connectors.map((c) => (
            <Card
              key={c.id}
              title={
                <span className="flex flex-wrap items-center gap-2">
                  {c.name}
                  <Badge>{kindLabel[c.kind] ?? c.kind}</Badge>
                  <span data-testid={`health-${c.slug}`}><Badge tone={healthTone[c.health]}>{c.health.toLowerCase()}</Badge></span>
                </span>
              }
              actions={<Link href={`/admin/connectors/${c.id}`} className="text-sm font-medium text-brand-700 underline-offset-2 hover:underline dark:text-brand-100" aria-label={`Edit ${c.name}`}>Edit</Link>}
            >
              <div className="grid gap-5">
                <dl className="grid grid-cols-[8rem_minmax(0,1fr)] gap-y-2 text-sm wrap-anywhere sm:grid-cols-[9rem_minmax(0,1fr)]">
                  <dt className="text-slate-600 dark:text-slate-400">Target</dt>
                  <dd><code className="break-all text-xs">{describeTarget(c.kind, c.settings)}</code>{c.hasSecret ? null : <span className="ml-2"><Badge tone="warn">no secret set</Badge></span>}</dd>
                  <dt className="text-slate-600 dark:text-slate-400">Last check</dt>
                  <dd><DateTime value={c.lastCheckedAt} />{c.lastError ? <span className="ml-2 text-red-700 dark:text-red-300">{c.lastError}</span> : null}</dd>
                  <dt className="text-slate-600 dark:text-slate-400">Resources</dt>
                  <dd>{c.resources.length ? c.resources.map((r) => r.name + (r.archivedAt ? " (archived)" : "")).join(", ") : <span className="text-slate-600 dark:text-slate-400">none yet</span>}</dd>
                </dl>
                <ConnectorActions connectorId={c.id} name={c.name} canReconcile={c.resources.length > 0} />
                <section aria-labelledby={`failing-${c.id}`}>
                  <h3 id={`failing-${c.id}`} className="mb-2 text-sm font-semibold">
                    Failing revocations {c.failingRevocations.length ? <Badge tone="bad">{c.failingRevocations.length}</Badge> : null}
                  </h3>
                  {c.failingRevocations.length === 0 ? (
                    <p className="text-sm text-slate-600 dark:text-slate-400">None: every revocation on this target completed.</p>
                  ) : (
                    <Table caption={`Revocations failing on ${c.name}`}>
                      <thead>
                        <tr><Th>Grant</Th><Th>Due since</Th><Th>Attempts</Th><Th>Last error</Th><Th>Alerted</Th></tr>
                      </thead>
                      <tbody>
                        {c.failingRevocations.map((g) => (
                          <tr key={g.grantId}>
                            <Td>
                              <Link href={`/admin/grants/${g.grantId}`} className="font-medium text-brand-700 underline underline-offset-2 dark:text-brand-100">{g.holder} · {g.accessLevel} on {g.resource}</Link>
                              <span className="block text-xs text-slate-600 dark:text-slate-400">{(g.reason ?? "EXPIRED").toLowerCase().replaceAll("_", " ")}</span>
                            </Td>
                            <Td><DateTime value={g.dueSince} /></Td>
                            <Td className="tabular-nums">{g.attempts}</Td>
                            <Td className="max-w-md text-xs text-red-700 dark:text-red-300">{g.lastError ?? "no error recorded yet (the attempt is hanging)"}</Td>
                            <Td><DateTime value={g.alertedAt} /></Td>
                          </tr>
                        ))}
                      </tbody>
                    </Table>
                  )}
                </section>
                <section aria-labelledby={`drift-${c.id}`}>
                  <h3 id={`drift-${c.id}`} className="mb-2 text-sm font-semibold">Recent drift</h3>
                  {c.drift.length === 0 ? (
                    <p className="text-sm text-slate-600 dark:text-slate-400">None found: the target matches what Keycard granted.</p>
                  ) : (
                    <ul className="grid gap-2 text-sm">
                      {c.drift.map((d) => (
                        <li key={d.seq}>
                          <DateTime value={d.occurredAt} /> <Badge tone="warn">{driftLabel[d.kind ?? ""] ?? "drift"}</Badge>{" "}
                          {d.grantId ? <Link href={`/admin/grants/${d.grantId}`} className="text-brand-700 underline underline-offset-2 dark:text-brand-100">{d.summary}</Link> : d.summary}
                          <span className="text-xs text-slate-600 dark:text-slate-400"> · {d.actor}</span>
                        </li>
                      ))}
                    </ul>
                  )}
                </section>
              </div>
            </Card>
          ))}
        </div>
      )}
    </>
  );
}
