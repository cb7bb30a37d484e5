import { handleE2eFixtures } from "@/server/ledger/http";

export const dynamic = "force-dynamic";

/** Test-only (KEYCARD_E2E_FIXTURES=1 on the embedded database; 404 otherwise): finished grant histories. */
export const POST = handleE2eFixtures;
