import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { currentActor } from "@/server/auth/session";
import { db } from "@/server/db";
import { refuseUnsafeRequest } from "@/server/trpc/csrf";
import { appRouter } from "@/server/trpc/root";

export async function handleTrpcRequest(request: Request): Promise<Response> {
  const refused = refuseUnsafeRequest(request);
  if (refused) return refused;
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: appRouter,
    // Queries are GET and mutations POST; a POST may never be turned into something else.
    allowMethodOverride: false,
    createContext: async () => ({ actor: await currentActor(), db: db() }),
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR") console.error(`[keycard:trpc] ${path ?? "?"}:`, error.cause ?? error);
    },
  });
}
