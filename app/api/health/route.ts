import { healthCheck } from "@/server/domain/system/health";

export const dynamic = "force-dynamic";

/** For load balancers: 200 when the database answers, 503 otherwise. */
export async function GET() {
  const result = await healthCheck();
  return Response.json(result, { status: result.ok ? 200 : 503 });
}
