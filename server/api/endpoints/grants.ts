import { MAX_WAIT_SECONDS, ZWaitQuery } from "@/server/api/config";
import { defineEndpoint, idParam, noParams, noQuery } from "@/server/api/handler";
import { presentCredential, presentGrant, presentGrantSummary, ZCredentialResult, ZGrantList, ZGrantView, ZReleaseResult } from "@/server/api/views";
import { z } from "zod";
import { dbNow } from "@/server/db/clock";
import { listMyHeldGrants, listMyPastGrants, MY_ACCESS_PAGE } from "@/server/domain/access/queries";
import { ZAccessCursor } from "@/server/domain/access/schema";
import { releaseGrant, revealCredential } from "@/server/domain/grants/mutations";
import { getGrantStatus } from "@/server/domain/grants/queries";
import { waitForGrant } from "@/server/api/wait";

const NOT_FOUND = "No such grant.";

const ZGrantListQuery = z.object({ after: ZAccessCursor.optional().describe("The `next` of the previous page") }).strict();

/** A grant is the outcome of a request: whoever may request may also see and use what it became. */
const readScopes = ["grants:write", "requests:write"] as const;

export const listGrants = defineEndpoint({
  operationId: "listGrants",
  method: "GET",
  path: "/grants",
  tag: "Grants",
  summary: "List my grants",
  description: [
    "The token's identity's grants with their status and window. The first page holds every grant that is scheduled, being set up, active or being removed (soonest end first), then the newest " +
      `${MY_ACCESS_PAGE} grants that are over.`,
    "When there are older ones, `next` is set: pass it back as `?after=` for the next page (grants that are over only).",
  ].join("\n\n"),
  scopes: readScopes,
  params: noParams,
  query: ZGrantListQuery,
  responses: { 200: { description: "My grants", schema: ZGrantList } },
  errors: [400, 403],
  async handle({ ctx, query }) {
    const [held, past, serverNow] = await Promise.all([query.after ? [] : listMyHeldGrants(ctx), listMyPastGrants(query.after, ctx), dbNow(ctx.db)]);
    return { status: 200, body: { grants: [...held, ...past.items].map(presentGrantSummary), next: past.next, serverNow: serverNow.toISOString() } };
  },
});

export const getGrant = defineEndpoint({
  operationId: "getGrant",
  method: "GET",
  path: "/grants/{id}",
  tag: "Grants",
  summary: "Read one of my grants",
  description: [
    "Follows a grant from SCHEDULED through PROVISIONING to ACTIVE. Another identity's grant is a 404.",
    `With \`?wait=N\` this is a long poll: the answer comes as soon as the grant is no longer being set up (ACTIVE, FAILED, REVOKING or REVOKED), when it is scheduled to start after N seconds, or after N seconds (at most ${MAX_WAIT_SECONDS}) with its current status — one call instead of many short polls.`,
  ].join("\n\n"),
  scopes: readScopes,
  params: idParam,
  notFoundMessage: NOT_FOUND,
  query: ZWaitQuery,
  responses: { 200: { description: "The grant", schema: ZGrantView } },
  errors: [400, 403, 404],
  async handle({ ctx, params, query, request, slot }) {
    const grant = query.wait ? await waitForGrant(params.id, ctx, query.wait * 1000, request.signal, slot.outside) : await getGrantStatus(params.id, ctx);
    return { status: 200, body: presentGrant(grant) };
  },
});

export const releaseMyGrant = defineEndpoint({
  operationId: "releaseGrant",
  method: "POST",
  path: "/grants/{id}/release",
  tag: "Grants",
  summary: "Release a grant early (\"I'm done\")",
  description: "The access is removed from the target at once (status REVOKING, then REVOKED); a grant that has not started is cancelled (REVOKED). Releasing twice is harmless.",
  scopes: ["grants:write"],
  params: idParam,
  notFoundMessage: NOT_FOUND,
  query: noQuery,
  responses: { 200: { description: "The grant's status after the call", schema: ZReleaseResult } },
  errors: [400, 403, 404, 409, 413, 415],
  async handle({ ctx, params }) {
    const result = await releaseGrant({ grantId: params.id }, ctx);
    return { status: 200, body: { grantId: params.id, status: result.status } };
  },
});

export const takeGrantCredential = defineEndpoint({
  operationId: "takeGrantCredential",
  method: "POST",
  path: "/grants/{id}/credential",
  tag: "Grants",
  summary: "Take the one-time credential of an active grant",
  description: "Returns the ephemeral login once and erases it; a second call is a 409. A POST because it changes state (the credential is gone afterwards) and must never be cached or prefetched.",
  scopes: readScopes,
  params: idParam,
  notFoundMessage: NOT_FOUND,
  query: noQuery,
  responses: { 200: { description: "The credential (shown once)", schema: ZCredentialResult } },
  errors: [400, 403, 404, 409, 413, 415],
  async handle({ ctx, params }) {
    const credential = await revealCredential({ grantId: params.id }, ctx);
    return { status: 200, body: { grantId: params.id, credential: presentCredential(credential) } };
  },
});
