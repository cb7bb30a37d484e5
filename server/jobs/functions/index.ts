import type { Job } from "@/server/jobs/define";
import { schedulerHeartbeat } from "@/server/jobs/functions/scheduler-heartbeat";
import { deliverNotifications } from "@/server/jobs/functions/deliver-notifications";
import { housekeeping } from "@/server/jobs/functions/housekeeping";
import { grantExpiryTimer } from "@/server/jobs/functions/grant-expiry-timer";
import { grantExpiryWarnings } from "@/server/jobs/functions/grant-expiry-warnings";
import { provisionGrants } from "@/server/jobs/functions/provision-grants";
import { reapplyExtendedGrant } from "@/server/jobs/functions/reapply-extended-grant";
import { reconcileGrants } from "@/server/jobs/functions/reconcile-grants";
import { requestSla } from "@/server/jobs/functions/request-sla";
import { revokeExpiredGrants } from "@/server/jobs/functions/revoke-expired-grants";
import { discoverPrivileges } from "@/server/jobs/functions/discover-privileges";
import { collectUsage } from "@/server/jobs/functions/collect-usage";
import { buildStandingReport } from "@/server/jobs/functions/build-standing-report";
import { ledgerCheckpoint } from "@/server/jobs/functions/ledger-checkpoint";
import { ledgerLexemes } from "@/server/jobs/functions/ledger-lexemes";
import { evidencePack } from "@/server/jobs/functions/evidence-pack";

/** Every job Keycard runs: served at /api/inngest and run by the local runner. */
export const jobs: Job[] = [
  schedulerHeartbeat,
  deliverNotifications,
  provisionGrants,
  grantExpiryTimer,
  revokeExpiredGrants,
  reapplyExtendedGrant,
  reconcileGrants,
  requestSla,
  grantExpiryWarnings,
  housekeeping,
  ledgerCheckpoint,
  ledgerLexemes,
  evidencePack,
  discoverPrivileges,
  collectUsage,
  buildStandingReport,
];
