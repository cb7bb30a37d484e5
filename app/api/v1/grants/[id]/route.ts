import { getGrant } from "@/server/api/endpoints";

export const dynamic = "force-dynamic";

export const GET = getGrant.handler;
