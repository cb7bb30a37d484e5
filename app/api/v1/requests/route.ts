import { createAccessRequest } from "@/server/api/endpoints";

export const dynamic = "force-dynamic";

export const POST = createAccessRequest.handler;
