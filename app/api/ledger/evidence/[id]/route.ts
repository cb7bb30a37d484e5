import { handleEvidenceDownload } from "@/server/ledger/http";

export const dynamic = "force-dynamic";

/** A finished evidence pack's zip. */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return handleEvidenceDownload(request, (await params).id);
}
