import { InngestTestEngine } from "@inngest/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@/server/connectors/testing";
import { encryptSecret } from "@/server/crypto";
import { closeConnectors } from "@/server/domain/connectors/instance";
import { buildStandingReport } from "@/server/jobs/functions/build-standing-report";
import { collectUsage } from "@/server/jobs/functions/collect-usage";
import { discoverPrivileges } from "@/server/jobs/functions/discover-privileges";
import { jobs } from "@/server/jobs/functions";
import { createTestDatabase, type TestDatabase } from "@/server/test/database";

/**
 * The report's three functions on Inngest (through @inngest/test): discovery, usage collection and the
 * weekly/on-demand build, each recording its run; an unreachable target fails nothing.
 */

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  const connector = await database.prisma.connector.create({
    data: { slug: "gone-target", name: "Decommissioned PostgreSQL", kind: "POSTGRES", settings: { host: "127.0.0.1", port: await freePort(), database: "postgres", user: "postgres" } },
  });
  await database.prisma.connector.update({ where: { id: connector.id }, data: { secretCiphertext: encryptSecret(JSON.stringify({ password: "" }), connector.id) } });
});

afterAll(async () => {
  await closeConnectors();
  await database?.destroy();
});

describe("standing-privilege report functions", () => {
  it("are registered with their schedules and the on-demand event", () => {
    const ids = jobs.map((j) => j.id);
    expect(ids).toEqual(expect.arrayContaining(["discover-privileges", "collect-usage", "build-standing-report"]));
    expect(buildStandingReport.cron).toBe("0 6 * * 1");
    expect(buildStandingReport.event?.event).toBe("reports/standing.requested");
    expect(discoverPrivileges.localEverySeconds).toBe(3600);
    expect(collectUsage.cron).toBe("*/5 * * * *");
  });

  it("builds a snapshot on demand, reporting the unreachable target", async () => {
    const engine = new InngestTestEngine({ function: buildStandingReport.inngestFunction });
    const { result } = await engine.execute({ events: [{ name: "reports/standing.requested", data: { requestedBy: "test" } }] });
    expect(result).toMatchObject({ discovery: { unreachable: ["Decommissioned PostgreSQL"] }, report: { rows: 0 } });
    const snapshot = await database.prisma.reportSnapshot.findFirstOrThrow({ where: { kind: "STANDING_PRIVILEGES" } });
    expect(snapshot.summary).toMatchObject({ trigger: "on demand", connectors: [{ name: "Decommissioned PostgreSQL", health: "FAILING" }] });
    const run = await database.prisma.jobRun.findFirst({ where: { functionId: "build-standing-report" }, orderBy: { startedAt: "desc" } });
    expect(run).toMatchObject({ status: "SUCCEEDED", runner: "inngest" });
  });

  it("discovers and collects usage on their schedules without failing on an unreachable target", async () => {
    const discovered = await new InngestTestEngine({ function: discoverPrivileges.inngestFunction }).execute();
    expect(discovered.result).toMatchObject({ privileges: 0, unreachable: ["Decommissioned PostgreSQL"] });
    const collected = await new InngestTestEngine({ function: collectUsage.inngestFunction }).execute();
    expect(collected.result).toMatchObject({ samples: 0, connectors: [{ name: "Decommissioned PostgreSQL", status: "unreachable" }] });
  });
});
