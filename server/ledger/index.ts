// The ledger's public surface. Deliberately no update or delete: events are append-only (and the
// database refuses UPDATE/DELETE/TRUNCATE on the table).
export { appendLedgerEvent, type LedgerEventInput, type AppendedLedgerEvent } from "@/server/ledger/append";
export { ledgerActions, type LedgerAction, type LedgerOutcome } from "@/server/ledger/actions";
export { computeEventHash, GENESIS_HASH } from "@/server/ledger/hash";
export { verifyChain, type ChainVerification, type ChainProblemKind } from "@/server/ledger/verify";
