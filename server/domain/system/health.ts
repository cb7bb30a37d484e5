import { database } from "@/server/db";

export async function healthCheck(): Promise<{ ok: boolean; database: string }> {
  try {
    await database().prisma.$queryRaw`SELECT 1`;
    return { ok: true, database: database().kind };
  } catch {
    return { ok: false, database: database().kind };
  }
}
