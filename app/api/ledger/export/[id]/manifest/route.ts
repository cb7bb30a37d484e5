import { handleExportManifest } from "@/server/ledger/http";

export const dynamic = "force-dynamic";

/** The signed manifest of a finished export. */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return handleExportManifest(request, (await params).id);
}
