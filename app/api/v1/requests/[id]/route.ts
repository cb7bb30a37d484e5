import { getAccessRequest } from "@/server/api/endpoints";

export const dynamic = "force-dynamic";

export const GET = getAccessRequest.handler;
