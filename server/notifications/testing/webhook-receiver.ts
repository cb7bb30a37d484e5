import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { verifyKeycardSignature } from "@/server/notifications/signature";

/**
 * A local HTTP receiver that does what a customer's receiver should: verify X-Keycard-Signature over the
 * raw body (401 when it does not match), then answer with the status `respond` chooses.
 */
export interface ReceivedDelivery {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: unknown;
  verified: boolean;
}

export interface TestWebhookReceiver {
  url: (path?: string) => string;
  /** Every request, verified or not. */
  received: ReceivedDelivery[];
  /** Only those that passed the signature check and were answered 2xx. */
  accepted: ReceivedDelivery[];
  close(): Promise<void>;
}

export async function startTestWebhookReceiver(options: {
  /** The endpoint secret expected on a path (each test endpoint gets its own path). */
  secret: (path: string) => string | null;
  /** Status for a verified request; default 200. Called with the path and how many verified requests that path had. */
  respond?: (path: string, count: number) => number;
}): Promise<TestWebhookReceiver> {
  const received: ReceivedDelivery[] = [];
  const accepted: ReceivedDelivery[] = [];
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const path = req.url ?? "/";
      const secret = options.secret(path);
      const header = req.headers["x-keycard-signature"];
      const verified = Boolean(secret) && verifyKeycardSignature(secret as string, Array.isArray(header) ? header[0] : header, body, 300);
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {
        json = null;
      }
      const delivery = { path, headers: req.headers, body, json, verified };
      received.push(delivery);
      if (!verified) {
        res.writeHead(401, { "content-type": "text/plain" }).end("bad signature");
        return;
      }
      const count = (counts.get(path) ?? 0) + 1;
      counts.set(path, count);
      const status = options.respond?.(path, count) ?? 200;
      if (status >= 200 && status < 300) accepted.push(delivery);
      res.writeHead(status, { "content-type": "text/plain" }).end(status < 300 ? "ok" : "receiver unavailable");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path = "/hook") => `http://127.0.0.1:${port}${path}`,
    received,
    accepted,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
