import { formatMinutes, formatTime } from "@/server/format";
import { oneLine, quote } from "@/server/notifications/format";
import { portalLinks } from "@/server/notifications/links";
import type { Channel, NotificationData, NotificationItem, NotificationKind } from "@/server/notifications/types";

/**
 * The lifecycle's messages: every word a person reads about a request or a grant is written here. Each
 * builder returns the items to pass to `enqueueNotifications(tx, items)`: one per person (in-app +
 * email), and, where a chat channel would want it, one broadcast copy (recipientId null) in the third
 * person for webhook endpoints. Keys derive from ids, so a retried job builds the same keys (no-op).
 */

export interface PersonRef {
  id: string;
  name: string;
}

export interface RequestRef {
  id: string;
  requester: PersonRef;
  resourceName: string;
  accessLevelName: string;
  durationMinutes: number;
  justification?: string | null;
  ticketRef?: string | null;
  riskScore?: number | null;
  kind?: "STANDARD" | "EXTENSION" | "BREAK_GLASS";
}

export interface GrantRef {
  id: string;
  requestId?: string | null;
  holder: PersonRef;
  resourceName: string;
  accessLevelName: string;
  endsAt: Date;
  breakGlass?: boolean;
}

export type RevocationReason = "EXPIRED" | "RELEASED" | "ADMIN" | "POLICY_CHANGE" | "IDENTITY_DISABLED" | "PROVISION_FAILED";

interface Message {
  title: string;
  body: string;
  link?: string | null;
}

const what = (r: { accessLevelName: string; resourceName: string }) => `${r.accessLevelName} on ${r.resourceName}`;

function lines(...parts: (string | null | undefined | false)[]): string {
  return parts.filter((part): part is string => typeof part === "string" && part.length > 0).join("\n");
}

function requestData(request: RequestRef): NotificationData {
  return {
    requestId: request.id,
    requesterId: request.requester.id,
    requester: request.requester.name,
    resource: request.resourceName,
    accessLevel: request.accessLevelName,
    durationMinutes: request.durationMinutes,
    ticketRef: request.ticketRef ?? null,
    riskScore: request.riskScore ?? null,
  };
}

function grantData(grant: GrantRef): NotificationData {
  return {
    grantId: grant.id,
    requestId: grant.requestId ?? null,
    holderId: grant.holder.id,
    holder: grant.holder.name,
    resource: grant.resourceName,
    accessLevel: grant.accessLevelName,
    endsAt: grant.endsAt.toISOString(),
    breakGlass: grant.breakGlass ?? false,
  };
}

/** One item per distinct person, minus the excluded (nobody is told about their own action). */
function toPeople(
  kind: NotificationKind,
  key: string,
  ids: readonly string[],
  message: Message,
  data: NotificationData,
  exclude: readonly (string | null | undefined)[] = [],
): NotificationItem[] {
  const skip = new Set(exclude.filter(Boolean));
  return [...new Set(ids)]
    .filter((id) => !skip.has(id))
    .map((recipientId) => ({ kind, key, recipientId, title: oneLine(message.title), body: message.body, link: message.link ?? null, data }));
}

function broadcast(kind: NotificationKind, key: string, message: Message, data: NotificationData, channels: readonly Channel[] = ["WEBHOOK"]): NotificationItem {
  return { kind, key, recipientId: null, channels, title: oneLine(message.title), body: message.body, link: message.link ?? null, data };
}

// ─── requests ────────────────────────────────────────────────────────────────────────────────────

/** A request now waits for these approvers (at creation, or when a later approval stage opens). */
export function requestCreated(input: { request: RequestRef; approverIds: readonly string[]; stage?: number }): NotificationItem[] {
  const { request } = input;
  const key = `request.created:${request.id}${input.stage ? `:stage-${input.stage}` : ""}`;
  const label = request.kind === "EXTENSION" ? "Extension request" : "Access request";
  const body = lines(
    `${request.requester.name} asks for ${what(request)} for ${formatMinutes(request.durationMinutes)}.`,
    quote(request.justification),
    request.ticketRef ? `Ticket: ${oneLine(request.ticketRef, 100)}` : null,
    request.riskScore != null ? `Risk score: ${request.riskScore}` : null,
  );
  const data = { ...requestData(request), stage: input.stage ?? 0 };
  return [
    ...toPeople("request.created", key, input.approverIds, { title: `${label} from ${request.requester.name}: ${what(request)}`, body, link: portalLinks.inbox(request.id) }, data, [request.requester.id]),
    broadcast("request.created", key, { title: `${label}: ${request.requester.name} → ${what(request)}`, body, link: portalLinks.inbox(request.id) }, data),
  ];
}

/** The final decision, to the requester. `decidedBy` null = decided by policy (auto-approve or deny). */
export function requestDecided(input: {
  request: RequestRef;
  outcome: "approved" | "denied";
  decidedBy: PersonRef | null;
  comment?: string | null;
  /** The approved duration when an approver shortened it. */
  approvedMinutes?: number | null;
}): NotificationItem[] {
  const { request, outcome, decidedBy } = input;
  const key = `request.decided:${request.id}`;
  const by = decidedBy ? decidedBy.name : "policy";
  const shortened = outcome === "approved" && input.approvedMinutes && input.approvedMinutes !== request.durationMinutes ? input.approvedMinutes : null;
  const verb = outcome === "approved" ? "Approved" : "Denied";
  const comment = quote(input.comment);
  const data = { ...requestData(request), outcome, decidedById: decidedBy?.id ?? null, decidedBy: decidedBy?.name ?? null, approvedMinutes: shortened ?? null };
  const personal = lines(
    decidedBy ? `${decidedBy.name} ${outcome} your request.` : `Your request was ${outcome} automatically by policy.`,
    comment ? `Comment: ${comment}` : null,
    shortened ? `The approved duration is ${formatMinutes(shortened)} (you asked for ${formatMinutes(request.durationMinutes)}).` : null,
    outcome === "approved" ? "You will be told when the access is active." : null,
  );
  const channel = lines(`${by === "policy" ? "Policy" : by} ${outcome} ${request.requester.name}'s request for ${what(request)}.`, comment ? `Comment: ${comment}` : null);
  return [
    ...toPeople("request.decided", key, [request.requester.id], { title: `${verb}: ${what(request)}`, body: personal, link: portalLinks.request(request.id) }, data),
    broadcast("request.decided", key, { title: `${verb}: ${request.requester.name} → ${what(request)}`, body: channel, link: portalLinks.request(request.id) }, data),
  ];
}

/**
 * To the other approvers of a request that no longer needs them, so nobody opens a decided request.
 * Personal only: the channel already heard request.decided.
 */
export function requestHandled(input: {
  request: RequestRef;
  handledBy: PersonRef | null;
  outcome: "approved" | "denied" | "cancelled" | "expired";
  approverIds: readonly string[];
}): NotificationItem[] {
  const { request, handledBy, outcome } = input;
  const by = handledBy && outcome !== "expired" ? ` by ${handledBy.name}` : "";
  const title = outcome === "expired" ? `Expired: ${request.requester.name} → ${what(request)}` : `Handled${by}: ${request.requester.name} → ${what(request)}`;
  const body =
    outcome === "cancelled"
      ? `${request.requester.name} cancelled the request; nothing is left for you to do.`
      : outcome === "expired"
        ? "The request expired without a decision; nothing is left for you to do."
        : `The request was ${outcome}${by}; nothing is left for you to do.`;
  const data = { ...requestData(request), outcome, handledById: handledBy?.id ?? null, handledBy: handledBy?.name ?? null };
  return toPeople("request.handled", `request.handled:${request.id}`, input.approverIds, { title, body, link: portalLinks.inbox(request.id) }, data, [handledBy?.id, request.requester.id]);
}

/** The n-th reminder (1, 2 …) that a request waits; the requester is told the approvers were reminded. */
export function requestReminder(input: {
  request: RequestRef;
  approverIds: readonly string[];
  reminder: number;
  waitingMinutes: number;
  escalatesAt?: Date | null;
}): NotificationItem[] {
  const { request } = input;
  const key = `request.reminder:${request.id}:${input.reminder}`;
  const waited = formatMinutes(Math.max(1, Math.round(input.waitingMinutes)));
  const data = { ...requestData(request), reminder: input.reminder, waitingMinutes: Math.round(input.waitingMinutes), escalatesAt: input.escalatesAt?.toISOString() ?? null };
  const approverBody = lines(
    `${request.requester.name}'s request for ${what(request)} has waited ${waited} for a decision.`,
    quote(request.justification),
    input.escalatesAt ? `It escalates to fallback approvers at ${formatTime(input.escalatesAt)}.` : null,
  );
  return [
    ...toPeople("request.reminder", key, input.approverIds, { title: `Waiting for your decision: ${request.requester.name} → ${what(request)}`, body: approverBody, link: portalLinks.inbox(request.id) }, data, [request.requester.id]),
    ...toPeople("request.reminder", key, [request.requester.id], { title: `Still waiting: ${what(request)}`, body: `Your request has waited ${waited}; Keycard reminded the approvers.`, link: portalLinks.request(request.id) }, data),
    broadcast("request.reminder", key, { title: `Waiting ${waited}: ${request.requester.name} → ${what(request)}`, body: approverBody, link: portalLinks.inbox(request.id) }, data),
  ];
}

/** The approvers' SLA ran out: fallback approvers are added; the requester is told. */
export function requestEscalated(input: { request: RequestRef; fallbackApproverIds: readonly string[]; fallbackName?: string | null }): NotificationItem[] {
  const { request } = input;
  const key = `request.escalated:${request.id}`;
  const to = input.fallbackName ? `${input.fallbackName}` : "fallback approvers";
  const data = { ...requestData(request), escalatedTo: input.fallbackName ?? null };
  const body = lines(`${request.requester.name}'s request for ${what(request)} was not decided in time and is now also routed to ${to}.`, quote(request.justification));
  return [
    ...toPeople("request.escalated", key, input.fallbackApproverIds, { title: `Escalated to you: ${request.requester.name} → ${what(request)}`, body, link: portalLinks.inbox(request.id) }, data, [request.requester.id]),
    ...toPeople("request.escalated", key, [request.requester.id], { title: `Escalated: ${what(request)}`, body: `Nobody decided your request in time, so it was escalated to ${to}.`, link: portalLinks.request(request.id) }, data),
    broadcast("request.escalated", key, { title: `Escalated to ${to}: ${request.requester.name} → ${what(request)}`, body, link: portalLinks.inbox(request.id) }, data),
  ];
}

/** Nobody decided before the request's timeout. */
export function requestExpired(input: { request: RequestRef }): NotificationItem[] {
  const { request } = input;
  const key = `request.expired:${request.id}`;
  const data = requestData(request);
  return [
    ...toPeople("request.expired", key, [request.requester.id], { title: `Expired without a decision: ${what(request)}`, body: "Nobody decided your request before it timed out. Ask again if you still need the access.", link: portalLinks.request(request.id) }, data),
    broadcast("request.expired", key, { title: `Expired unreviewed: ${request.requester.name} → ${what(request)}`, body: "Nobody decided the request before it timed out.", link: portalLinks.request(request.id) }, data),
  ];
}

// ─── grants ──────────────────────────────────────────────────────────────────────────────────────

/** Access is live in the target. `credential`: a one-time credential waits on the grant page. */
export function grantActivated(input: { grant: GrantRef; credential?: boolean }): NotificationItem[] {
  const { grant } = input;
  const key = `grant.activated:${grant.id}`;
  const data = { ...grantData(grant), credential: input.credential ?? false };
  const body = lines(
    `Your ${what(grant)} access is active until ${formatTime(grant.endsAt)}.`,
    input.credential ? "Your one-time credentials are ready: open the grant page to see them (shown once)." : null,
    "Release it when you are done; it is removed automatically when the window closes.",
  );
  return [
    ...toPeople("grant.activated", key, [grant.holder.id], { title: `Access active: ${what(grant)}`, body, link: portalLinks.grant(grant.id) }, data),
    broadcast("grant.activated", key, { title: `${grant.breakGlass ? "Break-glass access" : "Access"} active: ${grant.holder.name} → ${what(grant)}`, body: `Until ${formatTime(grant.endsAt)}.`, link: null }, data),
  ];
}

/** Sent `leadMinutes` before the end; the key includes the end, so an extended grant warns again. */
/** `leadMinutes` is the configured warning this is (one per window); `minutesLeft` what the holder reads. */
export function grantExpiring(input: { grant: GrantRef; leadMinutes: number; minutesLeft?: number }): NotificationItem[] {
  const { grant, leadMinutes } = input;
  const minutesLeft = input.minutesLeft ?? leadMinutes;
  const key = `grant.expiring:${grant.id}:${grant.endsAt.toISOString()}:${leadMinutes}`;
  const data = { ...grantData(grant), leadMinutes, minutesLeft };
  return [
    ...toPeople(
      "grant.expiring",
      key,
      [grant.holder.id],
      { title: `Access ends in ${formatMinutes(minutesLeft)}: ${what(grant)}`, body: `Your access ends at ${formatTime(grant.endsAt)}. Extend it from the grant page if you need more time.`, link: portalLinks.grant(grant.id) },
      data,
    ),
    broadcast("grant.expiring", key, { title: `Ends in ${formatMinutes(minutesLeft)}: ${grant.holder.name} → ${what(grant)}`, body: `At ${formatTime(grant.endsAt)}.`, link: null }, data),
  ];
}

const revokedBecause: Record<RevocationReason, string> = {
  EXPIRED: "its window closed",
  RELEASED: "you released it",
  ADMIN: "an admin revoked it",
  POLICY_CHANGE: "the policy changed",
  IDENTITY_DISABLED: "your account was disabled",
  PROVISION_FAILED: "provisioning failed",
};

/** Access removed from the target. */
export function grantRevoked(input: { grant: GrantRef; reason: RevocationReason; revokedBy?: PersonRef | null }): NotificationItem[] {
  const { grant, reason } = input;
  const key = `grant.revoked:${grant.id}`;
  const because = reason === "ADMIN" && input.revokedBy ? `${input.revokedBy.name} revoked it` : revokedBecause[reason];
  const data = { ...grantData(grant), reason, revokedById: input.revokedBy?.id ?? null };
  return [
    ...toPeople("grant.revoked", key, [grant.holder.id], { title: `Access removed: ${what(grant)}`, body: `Your ${what(grant)} access was removed because ${because}.`, link: portalLinks.grant(grant.id) }, data),
    broadcast("grant.revoked", key, { title: `Access removed: ${grant.holder.name} → ${what(grant)}`, body: `Reason: ${reason.toLowerCase().replaceAll("_", " ")}.`, link: null }, data),
  ];
}

/** The connector gave up provisioning: admins must look; the holder learns the access will not come. */
export function grantProvisionFailed(input: { grant: GrantRef; error: string; adminIds: readonly string[] }): NotificationItem[] {
  const { grant } = input;
  const key = `grant.provision_failed:${grant.id}`;
  const error = oneLine(input.error, 300);
  const data = { ...grantData(grant), error };
  const adminBody = lines(`Keycard could not provision ${what(grant)} for ${grant.holder.name}; the grant failed and nothing is left in the target.`, `Error: ${error}`);
  return [
    ...toPeople("grant.provision_failed", key, input.adminIds, { title: `Provisioning failed: ${grant.holder.name} → ${what(grant)}`, body: adminBody, link: portalLinks.adminGrant(grant.id) }, data, [grant.holder.id]),
    ...toPeople("grant.provision_failed", key, [grant.holder.id], { title: `Access could not be set up: ${what(grant)}`, body: "The target system refused or did not answer. Admins have been alerted; you may request again later.", link: portalLinks.grant(grant.id) }, data),
    broadcast("grant.provision_failed", key, { title: `Provisioning failed: ${grant.holder.name} → ${what(grant)}`, body: adminBody, link: portalLinks.adminGrant(grant.id) }, data),
  ];
}

/**
 * Removing access keeps failing (it is retried until it succeeds): admins are alerted once per
 * episode (`episode`, e.g. the grant's failureAlertedAt as ISO text).
 */
export function grantRevokeFailing(input: { grant: GrantRef; error: string; attempts: number; adminIds: readonly string[]; episode?: string }): NotificationItem[] {
  const { grant } = input;
  const key = `grant.revoke_failing:${grant.id}:${input.episode ?? "1"}`;
  const error = oneLine(input.error, 300);
  const data = { ...grantData(grant), error, attempts: input.attempts };
  const body = lines(
    `Removing ${what(grant)} from ${grant.holder.name} has failed ${input.attempts} time${input.attempts === 1 ? "" : "s"}; the access may still exist in the target. Keycard keeps retrying.`,
    `Error: ${error}`,
  );
  const message = { title: `Revocation failing: ${grant.holder.name} → ${what(grant)}`, body, link: portalLinks.adminGrant(grant.id) };
  return [...toPeople("grant.revoke_failing", key, input.adminIds, message, data), broadcast("grant.revoke_failing", key, message, data)];
}

// ─── break-glass ─────────────────────────────────────────────────────────────────────────────────

/** Emergency access granted without approval: security hears at once (mailbox + webhooks + admins). */
export function breakGlassActivated(input: { grant: GrantRef; reason: string; reviewDueAt: Date; adminIds: readonly string[] }): NotificationItem[] {
  const { grant } = input;
  const key = `break_glass.activated:${grant.id}`;
  const data = { ...grantData(grant), breakGlass: true, reason: oneLine(input.reason, 500), reviewDueAt: input.reviewDueAt.toISOString() };
  const message = {
    title: `Break-glass: ${grant.holder.name} took ${what(grant)}`,
    body: lines(
      `${grant.holder.name} used break-glass to get ${what(grant)} without approval, until ${formatTime(grant.endsAt)}.`,
      `Reason: ${quote(input.reason) ?? "—"}`,
      `A post-incident review by another admin is due by ${formatTime(input.reviewDueAt)}.`,
    ),
    link: portalLinks.adminGrant(grant.id),
  };
  return [...toPeople("break_glass.activated", key, input.adminIds, message, data, [grant.holder.id]), broadcast("break_glass.activated", key, message, data, ["WEBHOOK", "EMAIL"])];
}

/** The n-th reminder that a break-glass review is open; never to the person who broke the glass. */
export function breakGlassReviewDue(input: { grant: GrantRef; reviewId: string; dueAt: Date; adminIds: readonly string[]; reminder: number }): NotificationItem[] {
  const { grant } = input;
  const key = `break_glass.review_due:${input.reviewId}:${input.reminder}`;
  const overdue = input.dueAt.getTime() <= Date.now();
  const data = { ...grantData(grant), reviewId: input.reviewId, dueAt: input.dueAt.toISOString(), reminder: input.reminder };
  const message = {
    title: `Break-glass review ${overdue ? "overdue" : "due"}: ${grant.holder.name} → ${what(grant)}`,
    body: `The post-incident review of ${grant.holder.name}'s break-glass access is ${overdue ? "overdue since" : "due by"} ${formatTime(input.dueAt)}. An admin other than ${grant.holder.name} must complete it.`,
    link: portalLinks.breakGlassReview(input.reviewId),
  };
  return [...toPeople("break_glass.review_due", key, input.adminIds, message, data, [grant.holder.id]), broadcast("break_glass.review_due", key, message, data)];
}
