import { listGrants } from "@/server/api/endpoints";

export const dynamic = "force-dynamic";

export const GET = listGrants.handler;
