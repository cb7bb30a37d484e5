import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";

/**
 * A real SMTP server for tests (the `smtp-server` package), on 127.0.0.1 and a random port, with
 * authentication required. Received messages are parsed with mailparser.
 */
export interface TestSmtpServer {
  url: string;
  messages: ParsedMail[];
  /** How many MAIL transactions were refused (rejectNext). */
  refused: number;
  /** Refuse the next n messages with a temporary 451 error. */
  rejectNext(n: number): void;
  close(): Promise<void>;
}

export async function startTestSmtpServer(credentials = { user: "keycard", pass: "s3cret pass" }): Promise<TestSmtpServer> {
  const messages: ParsedMail[] = [];
  let toReject = 0;
  const state = { refused: 0 };
  const server = new SMTPServer({
    secure: false,
    // No TLS in the test: auth over the plain connection must be allowed explicitly.
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    authOptional: false,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === credentials.user && auth.password === credentials.pass) callback(null, { user: auth.username });
      else callback(new Error("Invalid username or password"));
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          if (toReject > 0) {
            toReject -= 1;
            state.refused += 1;
            const error = Object.assign(new Error("Try again later"), { responseCode: 451 });
            callback(error);
            return;
          }
          messages.push(mail);
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.pass)}@127.0.0.1:${port}`,
    messages,
    get refused() {
      return state.refused;
    },
    rejectNext(n) {
      toReject = n;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
