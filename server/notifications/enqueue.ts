import type { DbOrTx } from "@/server/db";
import type { Prisma } from "@/server/generated/prisma/client";
import type { IdentityKind, IdentityStatus } from "@/server/generated/prisma/enums";
import { notificationConfig } from "@/server/notifications/config";
import { cleanText, oneLine } from "@/server/notifications/format";
import { DELIVERY_KEY, type Channel, type DeliveryTarget, type NotificationItem } from "@/server/notifications/types";

export interface EnqueueResult {
  /** Rows written now (duplicates of earlier rows are skipped and not counted). */
  created: number;
  /** Of those, rows waiting for delivery after commit (email, webhook): pass the result to kickDelivery. */
  deliverable: number;
}

type Row = Prisma.NotificationCreateManyInput;

const PERSON_DEFAULT: readonly Channel[] = ["IN_APP", "EMAIL"];
const BROADCAST_DEFAULT: readonly Channel[] = ["WEBHOOK"];

/**
 * Writes notification rows inside the caller's transaction, so a message exists exactly when the change
 * it reports committed. Nothing is sent here (sending is after commit, in deliver.ts), so a dead SMTP
 * server or webhook cannot slow down or break a lifecycle mutation.
 *
 * - IN_APP rows are SENT on creation: they are what the bell reads.
 * - EMAIL rows exist only when SMTP is configured (KEYCARD_SMTP_URL), and only for active people with an
 *   address; a broadcast's EMAIL goes to each of KEYCARD_SECURITY_EMAILS.
 * - WEBHOOK rows: one per enabled endpoint subscribed to the kind, from broadcast items only.
 * - dedupeKey = `<item key>|<channel>|<person, address or endpoint>`; createMany skips existing keys, so
 *   enqueueing the same items twice (a retried job) writes nothing the second time.
 * - Unknown recipient ids are dropped rather than failing the caller's transaction on a foreign key.
 */
export async function enqueueNotifications(tx: DbOrTx, items: readonly NotificationItem[]): Promise<EnqueueResult> {
  if (items.length === 0) return { created: 0, deliverable: 0 };
  const config = notificationConfig();

  const personIds = [...new Set(items.map((item) => item.recipientId).filter((id): id is string => Boolean(id)))];
  const broadcastKinds = new Set(items.filter((item) => item.recipientId === null && channelsOf(item).includes("WEBHOOK")).map((item) => item.kind));

  const { people, endpoints } = await readAudience(tx, personIds, broadcastKinds.size > 0);
  const peopleById = new Map(people.map((person) => [person.id, person]));

  const rows = new Map<string, Row>();
  const add = (item: NotificationItem, channel: Channel, target: string, recipientId: string | null, delivery?: DeliveryTarget) => {
    const dedupeKey = `${item.key}|${channel}|${target}`.slice(0, 500);
    if (rows.has(dedupeKey)) return;
    const inApp = channel === "IN_APP";
    rows.set(dedupeKey, {
      recipientId,
      channel,
      kind: item.kind,
      title: oneLine(item.title, 200),
      body: cleanText(item.body, 4000),
      link: item.link ?? null,
      data: { ...stripUndefined(item.data ?? {}), ...(delivery ? { [DELIVERY_KEY]: { ...delivery } } : {}) } as Prisma.InputJsonValue,
      dedupeKey,
      status: inApp ? "SENT" : "PENDING",
      sentAt: inApp ? new Date() : null,
      // Null = due now, in the database's clock (deliver.ts treats null as "never attempted").
      nextAttemptAt: null,
    });
  };

  for (const item of items) {
    const channels = channelsOf(item);
    if (item.recipientId) {
      const person = peopleById.get(item.recipientId);
      if (!person) continue;
      if (channels.includes("IN_APP")) add(item, "IN_APP", person.id, person.id);
      // Email goes to people who sign in; machines read the API, disabled people should not hear more.
      if (channels.includes("EMAIL") && config.smtp && person.email && person.kind === "HUMAN" && person.status === "ACTIVE") {
        add(item, "EMAIL", person.id, person.id);
      }
    } else {
      if (channels.includes("EMAIL") && config.smtp) {
        for (const to of config.securityEmails) add(item, "EMAIL", to, null, { to });
      }
      if (channels.includes("WEBHOOK")) {
        for (const endpoint of endpoints) {
          if (endpoint.kinds.length === 0 || endpoint.kinds.includes(item.kind)) add(item, "WEBHOOK", endpoint.id, null, { endpointId: endpoint.id });
        }
      }
    }
  }

  if (rows.size === 0) return { created: 0, deliverable: 0 };
  // RETURNING only the inserted rows: keys that already existed are neither written nor counted.
  const created = await tx.notification.createManyAndReturn({ data: [...rows.values()], skipDuplicates: true, select: { status: true } });
  return { created: created.length, deliverable: created.filter((row) => row.status === "PENDING").length };
}

interface Audience {
  people: { id: string; email: string | null; kind: IdentityKind; status: IdentityStatus }[];
  endpoints: { id: string; kinds: string[] }[];
}

/**
 * The recipients and, when a broadcast is among the items, the enabled webhook endpoints, in one
 * statement: every lifecycle step enqueues notifications inside its transaction (docs/api.md, "Performance").
 */
async function readAudience(tx: DbOrTx, personIds: readonly string[], withEndpoints: boolean): Promise<Audience> {
  if (personIds.length === 0 && !withEndpoints) return { people: [], endpoints: [] };
  const [row] = await tx.$queryRaw<Audience[]>`
    SELECT
      coalesce((SELECT json_agg(json_build_object('id', i.id, 'email', i.email, 'kind', i.kind, 'status', i.status))
                  FROM "Identity" i WHERE i.id = ANY(${[...personIds]}::uuid[])), '[]'::json) AS people,
      CASE WHEN ${withEndpoints} THEN coalesce((SELECT json_agg(json_build_object('id', e.id, 'kinds', e.kinds))
                  FROM "WebhookEndpoint" e WHERE e.enabled), '[]'::json) ELSE '[]'::json END AS endpoints`;
  return row ?? { people: [], endpoints: [] };
}

function channelsOf(item: NotificationItem): readonly Channel[] {
  return item.channels ?? (item.recipientId ? PERSON_DEFAULT : BROADCAST_DEFAULT);
}

function stripUndefined(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).filter(([, value]) => value !== undefined));
}
