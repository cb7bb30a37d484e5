/**
 * The reports area's reads, in one place for the router: the metrics dashboard (metrics.ts) and the
 * standing-privilege snapshots (standing.ts).
 */
export { getReportsDashboard, type ReportsDashboard } from "@/server/domain/reports/metrics";
export { latestStandingSnapshot, listStandingPrivileges, listStandingSnapshots, type StandingListRow } from "@/server/domain/reports/standing";
