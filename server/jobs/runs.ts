import { db } from "@/server/db";
import type { Prisma } from "@/server/generated/prisma/client";

export interface JobRunRecord {
  functionId: string;
  runner: string;
  status: "SUCCEEDED" | "FAILED";
  startedAt: Date;
  output?: unknown;
  error?: string;
}

/** Keeps the last runs of each function for the admin status page. */
export async function recordJobRun(record: JobRunRecord): Promise<{ id: string }> {
  const row = await db().jobRun.create({
    data: {
      functionId: record.functionId,
      runner: record.runner,
      status: record.status,
      startedAt: record.startedAt,
      finishedAt: new Date(),
      error: record.error?.slice(0, 2000),
      output: (record.output ?? undefined) as Prisma.InputJsonValue | undefined,
    },
    select: { id: true },
  });
  return row;
}
