import { takeGrantCredential } from "@/server/api/endpoints";

export const dynamic = "force-dynamic";

export const POST = takeGrantCredential.handler;
