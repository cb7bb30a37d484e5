import { ApiError } from "@/server/api/errors";

/**
 * Reading a request body safely: JSON only, bounded in size while it streams (a lying or absent
 * Content-Length cannot make us buffer more than the limit), and an empty body reported as such so
 * action endpoints (cancel, release) can accept a bare POST.
 */

export function isJsonContentType(header: string | null): boolean {
  const type = header?.split(";")[0]?.trim().toLowerCase();
  return type === "application/json";
}

/** Reads at most `limit` bytes; throws 413 as soon as the body is longer. */
export async function readBodyLimited(request: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function tooLarge(limit: number): ApiError {
  return new ApiError("PAYLOAD_TOO_LARGE", `The request body is larger than ${Math.round(limit / 1024)} KB.`, { limitBytes: limit });
}

/**
 * The JSON body of a POST, or `undefined` when there is none. Any body must be declared
 * `application/json`: a form post or text/plain is refused (415) before it is read.
 */
export async function readJsonBody(request: Request, options: { limit: number; required: boolean }): Promise<unknown> {
  const contentType = request.headers.get("content-type");
  const unsupported = () => new ApiError("UNSUPPORTED_MEDIA_TYPE", "Send the body as JSON with Content-Type: application/json.", { received: contentType });
  if ((contentType !== null || options.required) && !isJsonContentType(contentType)) throw unsupported();
  const bytes = await readBodyLimited(request, options.limit);
  // A bare POST (no Content-Type) is fine for an action without input, but not with a body in it.
  if (contentType === null && bytes.byteLength > 0) throw unsupported();
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ApiError("VALIDATION", "The request body is not valid UTF-8.");
  }
  if (text.trim() === "") {
    if (options.required) throw new ApiError("VALIDATION", "The request body is empty; send a JSON object.");
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ApiError("VALIDATION", "The request body is not valid JSON.");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ApiError("VALIDATION", "The request body must be a JSON object.");
  }
  return parsed;
}
