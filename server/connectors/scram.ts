import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";

/**
 * A PostgreSQL SCRAM-SHA-256 verifier for a password, computed here so that `CREATE ROLE … PASSWORD`
 * carries the verifier and never the plaintext: statement logs (log_statement = ddl), pg_stat_statements
 * and replication streams then hold nothing a reader could log in with. PostgreSQL stores a value in
 * this format as is (https://www.postgresql.org/docs/current/auth-password.html). Generated passwords
 * are ASCII, so SASLprep leaves them unchanged.
 */
export function scramSha256Verifier(password: string, options: { iterations?: number; salt?: Buffer } = {}): string {
  const iterations = options.iterations ?? 4096;
  const salt = options.salt ?? randomBytes(16);
  const salted = pbkdf2Sync(password, salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}
