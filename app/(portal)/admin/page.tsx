import type { Metadata } from "next";
import { Badge, Card, EmptyState, PageHeader, Stat, Table, Td, Th } from "@/app/_components/ui";
import { DateTime, formatDuration } from "@/app/_components/format";
import { StatusBadge } from "@/app/_components/status-badge";
import { IntegrityPanel } from "@/app/(portal)/ledger/integrity-panel";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "Admin · Status" };

const healthTone = { HEALTHY: "good", DEGRADED: "warn", FAILING: "bad", UNKNOWN: "neutral" } as const;

export default async function AdminStatusPage() {
  const trpc = await api();
  // The ledger's public key belongs here too: admins hand it to whoever checks exports offline.
  const [status, ledger] = await Promise.all([trpc.system.status(), trpc.ledger.status()]);
  const { database, scheduler } = status;
  return (
    <>
      <PageHeader title="System status" description="Where Keycard keeps its data, how its timed work runs, and the targets it provisions into." />
      <dl className="mb-6 grid gap-4 sm:grid-cols-3 lg:grid-cols-5">
        <Stat label="People" value={status.counts.people} />
        <Stat label="Machine identities" value={status.counts.machines} />
        <Stat label="Resources" value={status.counts.resources} />
        <Stat label="Active grants" value={status.counts.activeGrants} />
        <Stat label="Ledger events" value={status.counts.ledgerEvents.toLocaleString("en")} />
      </dl>
      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Database">
          <dl className="grid grid-cols-[8rem_minmax(0,1fr)] gap-y-2 text-sm wrap-anywhere sm:grid-cols-[10rem_minmax(0,1fr)]">
            <dt className="text-slate-500 dark:text-slate-400">Kind</dt>
            <dd>{database.kind === "embedded" ? "Embedded PostgreSQL (PGlite)" : "PostgreSQL"}</dd>
            <dt className="text-slate-500 dark:text-slate-400">Location</dt>
            <dd><code className="text-xs">{database.location}</code></dd>
            <dt className="text-slate-500 dark:text-slate-400">Migrations</dt>
            <dd>
              {database.migrations.applied} applied
              {database.migrations.pending.length ? (
                <Badge tone="bad">{database.migrations.pending.length} pending — run npm run db:migrate</Badge>
              ) : (
                <span className="ml-2"><Badge tone="good">up to date</Badge></span>
              )}
            </dd>
            <dt className="text-slate-500 dark:text-slate-400">Latest</dt>
            <dd><code className="text-xs">{database.migrations.latest ?? "—"}</code></dd>
          </dl>
        </Card>
        <Card title="Sign-in">
          <dl className="grid grid-cols-[8rem_minmax(0,1fr)] gap-y-2 text-sm wrap-anywhere sm:grid-cols-[10rem_minmax(0,1fr)]">
            <dt className="text-slate-500 dark:text-slate-400">Single sign-on</dt>
            <dd>{status.auth.oidc ? <Badge tone="good">{status.auth.oidcName}</Badge> : <Badge>not configured</Badge>}</dd>
            <dt className="text-slate-500 dark:text-slate-400">Demo sign-in</dt>
            <dd>{status.auth.demo ? <Badge tone="warn">on — anyone can pick a persona</Badge> : <Badge tone="good">off</Badge>}</dd>
          </dl>
        </Card>
        <Card title={`Scheduler · ${scheduler.mode === "local" ? "local runner (in-process)" : scheduler.mode === "inngest" ? "Inngest" : "off"}`} className="lg:col-span-2">
          <Table caption="Scheduled and event-driven functions">
            <thead>
              <tr><Th>Function</Th><Th>Trigger</Th><Th>Last run</Th><Th>Result</Th><Th>Failures (24 h)</Th></tr>
            </thead>
            <tbody>
              {scheduler.functions.map((fn) => (
                <tr key={fn.id}>
                  <Td><code className="text-xs">{fn.id}</code></Td>
                  <Td className="text-xs">
                    {/* A function may have both a schedule and an event: one line each. */}
                    {fn.schedule ? (
                      <span className="block">
                        cron <code>{fn.schedule}</code>
                        {fn.localEverySeconds && scheduler.mode === "local" ? <> · locally every {fn.localEverySeconds < 60 || fn.localEverySeconds % 60 ? `${fn.localEverySeconds} s` : formatDuration(fn.localEverySeconds / 60)}</> : null}
                      </span>
                    ) : null}
                    {fn.event ? <span className="block">event <code>{fn.event}</code></span> : null}
                  </Td>
                  <Td>{fn.lastRun ? <DateTime value={fn.lastRun.finishedAt ?? fn.lastRun.startedAt} /> : <span className="text-slate-500 dark:text-slate-400">not run yet</span>}</Td>
                  <Td>{fn.lastRun ? <StatusBadge status={fn.lastRun.status} /> : null}{fn.lastRun?.error ? <span className="ml-2 text-xs text-red-700 dark:text-red-300">{fn.lastRun.error}</span> : null}</Td>
                  <Td className="tabular-nums">{fn.failures24h}</Td>
                </tr>
              ))}
            </tbody>
          </Table>
        </Card>
        <IntegrityPanel status={ledger} title="Ledger integrity and signing key" className="lg:col-span-2" />
        <Card title="Connectors" className="lg:col-span-2">
          {status.connectors.length === 0 ? (
            <EmptyState title="No connectors configured">Connectors link resources to the real systems Keycard provisions into.</EmptyState>
          ) : (
            <Table caption="Configured connectors">
              <thead>
                <tr><Th>Name</Th><Th>Kind</Th><Th>Resources</Th><Th>Health</Th><Th>Last checked</Th></tr>
              </thead>
              <tbody>
                {status.connectors.map((c) => (
                  <tr key={c.id}>
                    <Td>{c.name}</Td>
                    <Td>{c.kind.toLowerCase()}</Td>
                    <Td className="tabular-nums">{c.resources}</Td>
                    <Td><Badge tone={healthTone[c.health]}>{c.health.toLowerCase()}</Badge>{c.lastError ? <span className="ml-2 text-xs text-red-700 dark:text-red-300">{c.lastError}</span> : null}</Td>
                    <Td><DateTime value={c.lastCheckedAt} /></Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
        </Card>
      </div>
    </>
  );
}
