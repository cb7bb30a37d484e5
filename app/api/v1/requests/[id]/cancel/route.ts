import { cancelAccessRequest } from "@/server/api/endpoints";

export const dynamic = "force-dynamic";

export const POST = cancelAccessRequest.handler;
