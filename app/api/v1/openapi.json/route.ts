import { serveOpenApiDocument } from "@/server/api/meta";

export const dynamic = "force-dynamic";

export const GET = serveOpenApiDocument;
