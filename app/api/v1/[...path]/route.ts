import { unknownApiPath } from "@/server/api/meta";

export const dynamic = "force-dynamic";

// Unknown /api/v1 paths answer in the API's JSON error format, not with the portal's HTML 404 page.
export { unknownApiPath as GET, unknownApiPath as POST, unknownApiPath as PUT, unknownApiPath as PATCH, unknownApiPath as DELETE };
