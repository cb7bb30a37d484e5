import { z } from "zod";
import { MAX_WAIT_SECONDS, ZWaitQuery } from "@/server/api/config";
import { defineEndpoint, idParam, noParams, noQuery } from "@/server/api/handler";
import { assertSameRequest, findReplay, IDEMPOTENCY_HEADER, idempotencyKeyOf } from "@/server/api/idempotency";
import { presentCreated, presentRequest, ZCancelResult, ZDecisionResult, ZRequestCreated, ZRequestView } from "@/server/api/views";
import { takeCredentialOnce, waitForGrant } from "@/server/api/wait";
import type { PersonCtx } from "@/server/domain/context";
import { cancelRequest, createRequest, decideRequest } from "@/server/domain/requests/mutations";
import { getRequestDetail } from "@/server/domain/requests/queries";
import { ZCreateRequestInput, ZDecideRequestInput, ZRequestFields, type CreateRequestInput } from "@/server/domain/requests/schema";

const NOT_FOUND = "No such request.";

/**
 * Creates the request, or returns the one this idempotency key already created (the domain resolves
 * races on the key). A replay must ask for the same thing as the original.
 */
async function createOrReplay(input: CreateRequestInput, ctx: PersonCtx) {
  const key = input.clientRequestId;
  const existing = key ? await findReplay(ctx, key) : null;
  if (existing) assertSameRequest(existing, input);
  const created = await createRequest(input, ctx);
  if (created.replayed && key && !existing) {
    const winner = await findReplay(ctx, key);
    if (winner) assertSameRequest(winner, input);
  }
  return { created, replayed: created.replayed };
}

export const createAccessRequest = defineEndpoint({
  operationId: "createRequest",
  method: "POST",
  path: "/requests",
  tag: "Requests",
  summary: "Request access",
  description: [
    "Submits an access request. The resource's policy decides at once: auto-approve (the request is APPROVED and has a grant), approval by people (PENDING), or deny (DENIED, with the reasons).",
    `Send an \`${IDEMPOTENCY_HEADER}\` header to make retries safe: the same key returns the same request (200) instead of creating another; reusing a key for a different request is a 409.`,
    `With \`?wait=N\` (at most ${MAX_WAIT_SECONDS} s) the call waits for an auto-approved grant to become active and then includes its one-time credential, once — so a pipeline gets short-lived access in one call.`,
  ].join("\n\n"),
  scopes: ["requests:write"],
  params: noParams,
  query: ZWaitQuery,
  body: { schema: ZRequestFields, description: "What is requested. Status, approvers and expiry are Keycard's to decide: any other field is refused." },
  requestHeaders: [
    { name: IDEMPOTENCY_HEADER, description: "Client-chosen key that makes this call safe to retry", schema: ZCreateRequestInput.shape.clientRequestId.unwrap() },
  ],
  responses: {
    201: { description: "The request was created", schema: ZRequestCreated, headers: [{ name: "Location", description: "The request's URL", schema: z.string() }] },
    200: { description: "Replay: this idempotency key already created this request", schema: ZRequestCreated },
  },
  errors: [400, 403, 404, 409, 413, 415],
  async handle({ ctx, body, query, request, slot }) {
    const input: CreateRequestInput = { ...body, clientRequestId: idempotencyKeyOf(request) };
    const { created, replayed } = await createOrReplay(input, ctx);
    let waited = null;
    let credential: Record<string, unknown> | null = null;
    if (query.wait && created.grantId) {
      waited = await waitForGrant(created.grantId, ctx, query.wait * 1000, request.signal, slot.outside);
      if (waited.status === "ACTIVE" && waited.credentialAvailable) credential = await takeCredentialOnce(created.grantId, ctx);
    }
    return {
      status: replayed ? 200 : 201,
      body: presentCreated(created, waited, credential),
      headers: { Location: `/api/v1/requests/${created.id}` },
    };
  },
});

export const getAccessRequest = defineEndpoint({
  operationId: "getRequest",
  method: "GET",
  path: "/requests/{id}",
  tag: "Requests",
  summary: "Read a request: status, reasons, decisions and its grant",
  description: "Visible to its requester and to the approvers it was routed to; anyone else gets 404.",
  scopes: ["requests:write", "decisions:write"],
  params: idParam,
  notFoundMessage: NOT_FOUND,
  query: noQuery,
  responses: { 200: { description: "The request", schema: ZRequestView } },
  errors: [400, 403, 404],
  async handle({ ctx, params }) {
    return { status: 200, body: presentRequest(await getRequestDetail(params.id, ctx)) };
  },
});

export const cancelAccessRequest = defineEndpoint({
  operationId: "cancelRequest",
  method: "POST",
  path: "/requests/{id}/cancel",
  tag: "Requests",
  summary: "Withdraw a request nobody has decided yet",
  description: "Only the requester can cancel. Cancelling twice is harmless; a decided request cannot be cancelled (409).",
  scopes: ["requests:write"],
  params: idParam,
  notFoundMessage: NOT_FOUND,
  query: noQuery,
  responses: { 200: { description: "The request's status after the call", schema: ZCancelResult } },
  errors: [400, 403, 404, 409, 413, 415],
  async handle({ ctx, params }) {
    const result = await cancelRequest({ requestId: params.id }, ctx);
    return { status: 200, body: { requestId: params.id, status: result.status } };
  },
});

const decisionShape = ZDecideRequestInput.shape;
const ZDecisionBody = z.object({ decision: decisionShape.decision, comment: decisionShape.comment, durationMinutes: decisionShape.durationMinutes }).strict();

export const decideAccessRequest = defineEndpoint({
  operationId: "decideRequest",
  method: "POST",
  path: "/requests/{id}/decision",
  tag: "Requests",
  summary: "Approve or deny a request (chat-ops)",
  description: [
    "For approvers' bots: needs the `decisions:write` scope and an identity with the APPROVER role. The same rules as in the portal apply: nobody decides their own request (403), one person decides a request once (409), a decided, cancelled or expired request cannot be decided (409), and N-of-M needs N distinct people.",
    "A denial needs a comment (at least 3 characters); an approver may shorten the duration, never lengthen it.",
  ].join("\n\n"),
  scopes: ["decisions:write"],
  params: idParam,
  notFoundMessage: NOT_FOUND,
  query: noQuery,
  body: { schema: ZDecisionBody },
  responses: { 200: { description: "The decision was recorded; the request's state after it", schema: ZDecisionResult } },
  errors: [400, 403, 404, 409, 413, 415],
  async handle({ ctx, params, body }) {
    // A request this identity cannot see does not exist for it (404, not 403): ids do not leak.
    await getRequestDetail(params.id, ctx);
    const input = ZDecideRequestInput.parse({ ...body, requestId: params.id });
    const result = await decideRequest(input, ctx);
    return {
      status: 200,
      body: {
        requestId: params.id,
        status: result.status,
        grantId: result.grantId,
        remainingApprovals: "remaining" in result ? result.remaining : null,
        stage: "stage" in result ? result.stage : null,
      },
    };
  },
});
