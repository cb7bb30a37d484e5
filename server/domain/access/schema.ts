import { z } from "zod";

/**
 * A position in one of "My access" lists: the time and id of the last row shown (`<epoch ms>_<uuid>`).
 * Readable rather than opaque: it only ever selects the caller's own rows, so there is nothing to hide.
 */
export const ZAccessCursor = z.string().regex(/^\d{1,15}_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, "This page link is not valid; start again from the newest.");

export const ZMyAccessInput = z
  .object({
    /** Requests created before this one (newest first). */
    requestsAfter: ZAccessCursor.optional(),
    /** Past grants that started before this one (newest first). */
    pastGrantsAfter: ZAccessCursor.optional(),
  })
  .strict()
  .default({});
export type MyAccessInput = z.infer<typeof ZMyAccessInput>;

export function parseAccessCursor(cursor: string): { at: Date; id: string } {
  const [ms, id] = cursor.split("_") as [string, string];
  return { at: new Date(Number(ms)), id };
}

export function accessCursorOf(at: Date, id: string): string {
  return `${at.getTime()}_${id}`;
}
