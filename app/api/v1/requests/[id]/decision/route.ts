import { decideAccessRequest } from "@/server/api/endpoints";

export const dynamic = "force-dynamic";

export const POST = decideAccessRequest.handler;
