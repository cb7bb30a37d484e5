import { listResources } from "@/server/api/endpoints";

export const dynamic = "force-dynamic";

export const GET = listResources.handler;
