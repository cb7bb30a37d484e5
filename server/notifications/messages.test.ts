import { describe, expect, it } from "vitest";
import * as messages from "@/server/notifications/messages";
import type { GrantRef, RequestRef } from "@/server/notifications/messages";
import { isNotificationKind, type NotificationItem } from "@/server/notifications/types";

const maya = { id: "maya", name: "Maya Chen" };
const sam = { id: "sam", name: "Sam Okafor" };
const request: RequestRef = {
  id: "req-1",
  requester: maya,
  resourceName: "Orders database (production)",
  accessLevelName: "Write",
  durationMinutes: 120,
  justification: "INC-4711: fix stuck orders",
  ticketRef: "INC-4711",
  riskScore: 42,
};
const grant: GrantRef = { id: "grant-1", requestId: "req-1", holder: maya, resourceName: "Orders database (production)", accessLevelName: "Write", endsAt: new Date("2026-11-23T14:00:00Z") };

const people = (items: NotificationItem[]) => items.filter((i) => i.recipientId).map((i) => i.recipientId);
const broadcasts = (items: NotificationItem[]) => items.filter((i) => i.recipientId === null);

describe("lifecycle messages", () => {
  it("a new request reaches each eligible approver once, never the requester, plus one channel copy", () => {
    const items = messages.requestCreated({ request, approverIds: ["sam", "ada", "sam", "maya"] });
    expect(people(items)).toEqual(["sam", "ada"]);
    expect(broadcasts(items)).toHaveLength(1);
    expect(items[0]).toMatchObject({ kind: "request.created", title: "Access request from Maya Chen: Write on Orders database (production)", link: "/inbox?request=req-1" });
    expect(items[0]?.body).toContain("for 2 h");
    expect(items[0]?.body).toContain("“INC-4711: fix stuck orders”");
    expect(new Set(items.map((i) => i.key))).toEqual(new Set(["request.created:req-1"]));
  });

  it("a later approval stage is a new message (its own key)", () => {
    expect(messages.requestCreated({ request, approverIds: ["ada"], stage: 1 })[0]?.key).toBe("request.created:req-1:stage-1");
  });

  it("the requester hears the decision with the approver's comment", () => {
    const denied = messages.requestDecided({ request, outcome: "denied", decidedBy: sam, comment: "Use the staging copy" });
    expect(people(denied)).toEqual(["maya"]);
    expect(denied[0]).toMatchObject({ title: "Denied: Write on Orders database (production)", link: "/access/requests/req-1" });
    expect(denied[0]?.body).toBe("Sam Okafor denied your request.\nComment: “Use the staging copy”");
    const approved = messages.requestDecided({ request, outcome: "approved", decidedBy: null, approvedMinutes: 60 });
    expect(approved[0]?.body).toContain("approved automatically by policy");
    expect(approved[0]?.body).toContain("The approved duration is 1 h (you asked for 2 h).");
    expect(broadcasts(approved)[0]?.body).toContain("Policy approved Maya Chen's request");
  });

  it("other approvers learn who handled it; the decider and the requester do not", () => {
    const items = messages.requestHandled({ request, handledBy: sam, outcome: "approved", approverIds: ["sam", "ada", "maya"] });
    expect(people(items)).toEqual(["ada"]);
    expect(broadcasts(items)).toHaveLength(0);
    expect(items[0]?.title).toBe("Handled by Sam Okafor: Maya Chen → Write on Orders database (production)");
    const expired = messages.requestHandled({ request, handledBy: null, outcome: "expired", approverIds: ["ada"] });
    expect(expired[0]).toMatchObject({ title: "Expired: Maya Chen → Write on Orders database (production)", body: "The request expired without a decision; nothing is left for you to do." });
  });

  it("reminders and escalations tell the requester each time", () => {
    const reminder = messages.requestReminder({ request, approverIds: ["sam"], reminder: 2, waitingMinutes: 180, escalatesAt: new Date("2026-11-23T15:00:00Z") });
    expect(people(reminder)).toEqual(["sam", "maya"]);
    expect(reminder[0]?.key).toBe("request.reminder:req-1:2");
    expect(reminder[0]?.body).toContain("escalates to fallback approvers at 2026-11-23 15:00 UTC");
    const escalated = messages.requestEscalated({ request, fallbackApproverIds: ["lead"], fallbackName: "Security on-call" });
    expect(people(escalated)).toEqual(["lead", "maya"]);
    expect(escalated[1]?.body).toBe("Nobody decided your request in time, so it was escalated to Security on-call.");
    expect(people(messages.requestExpired({ request }))).toEqual(["maya"]);
  });

  it("activation points at the grant page and mentions one-time credentials", () => {
    const [item] = messages.grantActivated({ grant, credential: true });
    expect(item).toMatchObject({ recipientId: "maya", link: "/access/grants/grant-1", title: "Access active: Write on Orders database (production)" });
    expect(item?.body).toContain("until 2026-11-23 14:00 UTC");
    expect(item?.body).toContain("one-time credentials");
  });

  it("expiry warnings are keyed by lead time and end, so an extended grant warns again", () => {
    const a = messages.grantExpiring({ grant, leadMinutes: 15 })[0];
    const b = messages.grantExpiring({ grant: { ...grant, endsAt: new Date("2026-11-23T16:00:00Z") }, leadMinutes: 15 })[0];
    expect(a?.title).toBe("Access ends in 15 min: Write on Orders database (production)");
    expect(a?.key).not.toBe(b?.key);
  });

  it("revocation says why", () => {
    expect(messages.grantRevoked({ grant, reason: "RELEASED" })[0]?.body).toBe("Your Write on Orders database (production) access was removed because you released it.");
    expect(messages.grantRevoked({ grant, reason: "ADMIN", revokedBy: sam })[0]?.body).toContain("because Sam Okafor revoked it");
  });

  it("provisioning and revocation failures go to admins", () => {
    const failed = messages.grantProvisionFailed({ grant, error: "connection refused", adminIds: ["priya", "maya"] });
    expect(people(failed)).toEqual(["priya", "maya"]);
    expect(failed.find((i) => i.recipientId === "maya")?.title).toBe("Access could not be set up: Write on Orders database (production)");
    const failing = messages.grantRevokeFailing({ grant, error: "timeout", attempts: 5, adminIds: ["priya"], episode: "2026-11-23T14:05:00.000Z" });
    expect(people(failing)).toEqual(["priya"]);
    expect(failing[0]?.key).toBe("grant.revoke_failing:grant-1:2026-11-23T14:05:00.000Z");
  });

  it("break-glass alerts admins (not the person who broke the glass), the security mailbox and webhooks", () => {
    const items = messages.breakGlassActivated({ grant: { ...grant, breakGlass: true }, reason: "Outage", reviewDueAt: new Date("2026-11-24T14:00:00Z"), adminIds: ["priya", "maya"] });
    expect(people(items)).toEqual(["priya"]);
    expect(broadcasts(items)[0]?.channels).toEqual(["WEBHOOK", "EMAIL"]);
    const due = messages.breakGlassReviewDue({ grant, reviewId: "rev-1", dueAt: new Date("2026-11-24T14:00:00Z"), adminIds: ["priya", "maya"], reminder: 1 });
    expect(people(due)).toEqual(["priya"]);
    expect(due[0]?.link).toBe("/admin/break-glass?review=rev-1");
  });

  it("every builder uses a known kind and single-line titles", () => {
    const all = [
      ...messages.requestCreated({ request, approverIds: ["sam"] }),
      ...messages.requestDecided({ request, outcome: "approved", decidedBy: sam }),
      ...messages.requestHandled({ request: { ...request, requester: { id: "x", name: "Evil\nName" } }, handledBy: sam, outcome: "denied", approverIds: ["ada"] }),
      ...messages.grantRevokeFailing({ grant, error: "line1\nline2", attempts: 1, adminIds: ["priya"] }),
    ];
    for (const item of all) {
      expect(isNotificationKind(item.kind)).toBe(true);
      expect(item.title).not.toContain("\n");
    }
  });
});
