import { releaseMyGrant } from "@/server/api/endpoints";

export const dynamic = "force-dynamic";

export const POST = releaseMyGrant.handler;
