import { TRPCClientError } from "@trpc/client";
import type { AppRouter } from "@/server/trpc/root";

const fallbackByCode: Record<string, string> = {
  UNAUTHORIZED: "Your session ended. Sign in again.",
  FORBIDDEN: "You are not allowed to do this.",
  NOT_FOUND: "It no longer exists — someone may have removed it.",
  CONFLICT: "Someone changed this at the same time. Reload to see the latest state.",
  TOO_MANY_REQUESTS: "Too many requests. Wait a moment and try again.",
};

/** The message to show for a failed tRPC call: the domain's own specific message when it sent one. */
export function describeError(error: unknown): string {
  if (error instanceof TRPCClientError) {
    const e = error as TRPCClientError<AppRouter>;
    const fieldErrors = e.data?.fieldErrors as Record<string, string[] | undefined> | null | undefined;
    const firstField = fieldErrors ? Object.values(fieldErrors).flat().find(Boolean) : undefined;
    if (firstField) return firstField;
    if (e.data?.domainCode || (e.data?.code && e.data.code !== "INTERNAL_SERVER_ERROR")) {
      return e.message || fallbackByCode[e.data.code] || "That did not work.";
    }
    if (e.data?.code === "INTERNAL_SERVER_ERROR") return "Something went wrong on the server. Nothing was changed; try again.";
    return e.message;
  }
  return "Keycard could not be reached. Check your connection and try again.";
}

/** Field-level messages from a zod validation failure, for inline display. */
export function fieldErrorsOf(error: unknown): Record<string, string> {
  if (!(error instanceof TRPCClientError)) return {};
  const fieldErrors = (error as TRPCClientError<AppRouter>).data?.fieldErrors as Record<string, string[] | undefined> | null | undefined;
  if (!fieldErrors) return {};
  return Object.fromEntries(Object.entries(fieldErrors).flatMap(([k, v]) => (v?.[0] ? [[k, v[0]]] : [])));
}
