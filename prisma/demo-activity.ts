import type { Db } from "@/server/db";
import { toActor } from "@/server/domain/identities/queries";
import { createRequest, decideRequest } from "@/server/domain/requests/mutations";

/**
 * A morning's worth of activity for the demo, so that its pages open on work instead of empty states:
 * requests waiting in approvers' inboxes, one being approved, one denied with a comment, one approved
 * by policy (the portal's scheduler provisions it in the demo target when it starts). Everything goes
 * through the domain functions the portal uses — policy, routing, separation of duties, the ledger,
 * notifications — as the people named here. Only `npm run demo` asks for it (`--with-activity`); the
 * end-to-end tests start from the organisation alone.
 */
interface Step {
  requester: string;
  resource: string;
  level: string;
  minutes: number;
  justification: string;
  ticket?: string;
  /** Decisions, in order, by the people named. */
  decisions?: { by: string; decision: "APPROVE" | "DENY"; comment?: string }[];
}

const steps: Step[] = [
  {
    requester: "Lucas Martin",
    resource: "orders-db-prod",
    level: "write",
    minutes: 60,
    justification: "Remove the duplicated shipment rows left by last night's failed migration (orders 88120–88164)",
    ticket: "INC-2187",
    decisions: [{ by: "Mia Johansson", decision: "APPROVE", comment: "Matches the incident timeline." }],
  },
  {
    requester: "Ravi Patel",
    resource: "payments-db-prod",
    level: "read",
    minutes: 30,
    justification: "Reconcile yesterday's settlement mismatch for merchant 4471 against the ledger",
    ticket: "INC-2190",
  },
  {
    requester: "Zoe Kim",
    resource: "orders-db-staging",
    level: "write",
    minutes: 120,
    justification: "Load the fixtures for the new returns flow before the design review",
  },
  {
    requester: "Daniel Cohen",
    resource: "support-admin-console",
    level: "admin",
    minutes: 240,
    justification: "Refund three customers whose orders were charged twice",
    ticket: "SUP-5512",
    decisions: [{ by: "Sam Okafor", decision: "DENY", comment: "Refunds go through the billing team's refund queue; admin is for account merges." }],
  },
  {
    requester: "Fatima Khan",
    resource: "analytics-warehouse",
    level: "read",
    minutes: 240,
    justification: "Build the weekly churn dashboard for the Monday review",
  },
];

export async function seedDemoActivity(db: Db, log: (line: string) => void = () => undefined): Promise<{ created: number }> {
  if ((await db.accessRequest.count()) > 0) {
    log("demo activity already present; nothing added");
    return { created: 0 };
  }
  const people = new Map((await db.identity.findMany({ where: { kind: "HUMAN" } })).map((i) => [i.name, i]));
  const person = (name: string) => {
    const identity = people.get(name);
    if (!identity) throw new Error(`demo activity names ${name}, who is not in the demo organisation`);
    return toActor(identity);
  };
  let created = 0;
  for (const step of steps) {
    const resource = await db.resource.findUniqueOrThrow({ where: { slug: step.resource }, include: { accessLevels: true } });
    const level = resource.accessLevels.find((l) => l.key === step.level);
    if (!level) throw new Error(`demo activity: ${resource.name} has no access level ${step.level}`);
    const request = await createRequest(
      {
        resourceId: resource.id,
        accessLevelId: level.id,
        durationMinutes: step.minutes,
        justification: step.justification,
        ...(step.ticket ? { ticketRef: step.ticket } : {}),
      },
      { actor: person(step.requester), db },
    );
    created++;
    for (const d of step.decisions ?? []) {
      await decideRequest({ requestId: request.id, decision: d.decision, ...(d.comment ? { comment: d.comment } : {}) }, { actor: person(d.by), db });
    }
  }
  log(`added the demo's activity (${created} requests)`);
  return { created };
}
