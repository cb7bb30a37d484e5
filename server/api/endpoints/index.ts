import type { Endpoint } from "@/server/api/handler";
import { getGrant, listGrants, releaseMyGrant, takeGrantCredential } from "@/server/api/endpoints/grants";
import { cancelAccessRequest, createAccessRequest, decideAccessRequest, getAccessRequest } from "@/server/api/endpoints/requests";
import { listResources } from "@/server/api/endpoints/resources";
import { ingestUsage } from "@/server/api/endpoints/usage";

export { cancelAccessRequest, createAccessRequest, decideAccessRequest, getAccessRequest, getGrant, ingestUsage, listGrants, listResources, releaseMyGrant, takeGrantCredential };

/** Every /api/v1 operation, in the order the OpenAPI document lists them. */
export const endpoints: readonly Endpoint[] = [
  listResources,
  createAccessRequest,
  getAccessRequest,
  cancelAccessRequest,
  decideAccessRequest,
  listGrants,
  getGrant,
  releaseMyGrant,
  takeGrantCredential,
  ingestUsage,
];
