import { handleLedgerExport } from "@/server/ledger/http";

export const dynamic = "force-dynamic";

/** A streamed export of a ledger search: ?format=csv|jsonl|ocsf[&bom=1]&<the ledger page's filters>. */
export const GET = handleLedgerExport;
