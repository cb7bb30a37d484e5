import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { DateTime } from "@/app/_components/format";
import { Badge, Card, EmptyState, PageHeader, Stat, Table, Td, Th } from "@/app/_components/ui";
import { RetryAllButton, RetryButton } from "@/app/(portal)/admin/notifications/delivery-actions";
import { CreateWebhookEndpoint, WebhookEndpointActions } from "@/app/(portal)/admin/notifications/webhook-endpoints";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "Admin · Notifications" };

const channelLabel = { EMAIL: "email", WEBHOOK: "webhook", IN_APP: "in-app" } as const;

export default async function AdminNotificationsPage() {
  const trpc = await api();
  const me = await trpc.me.get();
  if (!me.areas.admin) redirect("/");
  const overview = await trpc.notifications.deliveries();
  const kindLabels = new Map(overview.kinds.map((k) => [k.kind, k.label]));

  return (
    <>
      <PageHeader
        title="Notifications"
        description="How Keycard reaches people outside the portal: email over SMTP and signed chat webhooks. Failed sends are retried with backoff; the ones that gave up are listed here."
      />
      <dl className="mb-6 grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <Stat label="Waiting to send" value={overview.counts.pending} />
        <Stat label="Failed" value={overview.counts.failed} hint={overview.counts.failed ? "see below" : "none"} />
        <Stat label="Sent (24 h)" value={overview.counts.sent24h} hint="email and webhooks" />
        <Stat label="Webhook endpoints" value={overview.endpoints.length} hint={`${overview.endpoints.filter((e) => e.enabled).length} enabled`} />
      </dl>

      <div className="grid gap-6">
        <Card title="Email">
          {overview.email.configured ? (
            <dl className="grid grid-cols-[10rem_minmax(0,1fr)] gap-y-2 text-sm wrap-anywhere">
              <dt className="text-slate-600 dark:text-slate-400">SMTP server</dt>
              <dd>
                <code className="text-xs">{overview.email.host}:{overview.email.port}</code> <Badge tone={overview.email.tls === "TLS" ? "good" : "neutral"}>{overview.email.tls}</Badge>
              </dd>
              <dt className="text-slate-600 dark:text-slate-400">Sender</dt>
              <dd><code className="text-xs">{overview.email.from}</code></dd>
              <dt className="text-slate-600 dark:text-slate-400">Security alerts</dt>
              <dd>{overview.securityEmails.length ? overview.securityEmails.join(", ") : <span className="text-slate-600 dark:text-slate-400">none — set KEYCARD_SECURITY_EMAILS to alert a mailbox on break-glass</span>}</dd>
              <dt className="text-slate-600 dark:text-slate-400">Links point to</dt>
              <dd><code className="text-xs">{overview.baseUrl}</code></dd>
            </dl>
          ) : (
            <div className="text-sm">
              <p>
                <Badge tone="warn">not configured</Badge>{" "}
                Email is off: set <code>KEYCARD_SMTP_URL</code> (e.g. <code>smtp://user:password@mail.example.com:587</code>) and restart.
              </p>
              <p className="mt-2 text-slate-600 dark:text-slate-400">
                Until then no email notifications are queued (so nothing piles up as failed); people still get in-app notifications, and webhooks work.
              </p>
            </div>
          )}
        </Card>

        <Card title="Webhook endpoints">
          <p className="mb-4 text-sm text-slate-600 dark:text-slate-400">
            Slack-compatible JSON, signed with <code>X-Keycard-Signature</code> (HMAC-SHA256 with a timestamp); see docs/notifications.md for verifying it.
          </p>
          {overview.endpoints.length === 0 ? (
            <EmptyState title="No webhook endpoints">Add a Slack incoming webhook or your own receiver to post alerts and decisions to a channel.</EmptyState>
          ) : (
            <Table caption="Webhook endpoints">
              <thead>
                <tr><Th>Name</Th><Th>URL</Th><Th>Kinds</Th><Th>Status</Th><Th><span className="sr-only">Actions</span></Th></tr>
              </thead>
              <tbody>
                {overview.endpoints.map((endpoint) => (
                  <tr key={endpoint.id}>
                    <Td className="font-medium">{endpoint.name}</Td>
                    <Td><code className="break-all text-xs">{endpoint.url}</code></Td>
                    <Td className="text-xs">{endpoint.kinds.length ? endpoint.kinds.map((k) => kindLabels.get(k) ?? k).join(", ") : "all kinds"}</Td>
                    <Td>{endpoint.enabled ? <Badge tone="good">enabled</Badge> : <Badge>disabled</Badge>}</Td>
                    <Td><WebhookEndpointActions id={endpoint.id} name={endpoint.name} enabled={endpoint.enabled} /></Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
          <div className="mt-6 border-t border-slate-200 pt-4 dark:border-slate-800">
            <CreateWebhookEndpoint kinds={overview.kinds} />
          </div>
        </Card>

        <Card title="Failed deliveries" actions={overview.failed.length ? <RetryAllButton /> : null}>
          {overview.failed.length === 0 ? (
            <EmptyState title="No failed deliveries">Messages that still fail after {overview.maxAttempts} attempts appear here.</EmptyState>
          ) : (
            <DeliveryTable caption="Failed deliveries" rows={overview.failed} retry />
          )}
        </Card>

        {overview.retrying.length ? (
          <Card title="Being retried">
            <DeliveryTable caption="Deliveries being retried" rows={overview.retrying} />
          </Card>
        ) : null}
      </div>
    </>
  );
}

type DeliveryRow = Awaited<ReturnType<Awaited<ReturnType<typeof api>>["notifications"]["deliveries"]>>["failed"][number];

function DeliveryTable({ caption, rows, retry = false }: { caption: string; rows: DeliveryRow[]; retry?: boolean }) {
  return (
    <Table caption={caption}>
      <thead>
        <tr>
          <Th>Queued</Th><Th>Channel</Th><Th>Message</Th><Th>To</Th><Th>Attempts</Th><Th>Last error</Th>
          {retry ? <Th><span className="sr-only">Actions</span></Th> : <Th>Next attempt</Th>}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.id}>
            <Td><DateTime value={row.createdAt} /></Td>
            <Td>{channelLabel[row.channel]}</Td>
            <Td>
              <span className="block text-xs text-slate-600 dark:text-slate-400">{row.kindLabel}</span>
              {row.title}
            </Td>
            <Td className="text-xs">{row.to}</Td>
            <Td className="tabular-nums">{row.attempts}</Td>
            <Td className="max-w-xs text-xs text-red-700 dark:text-red-300">{row.lastError ?? "—"}</Td>
            <Td>{retry ? <RetryButton id={row.id} /> : <DateTime value={row.nextAttemptAt} />}</Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
