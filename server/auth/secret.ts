import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * The Auth.js secret. Production must set AUTH_SECRET (server/env refuses to start without it); the
 * embedded default keeps a generated one in its data folder so sessions survive restarts with zero setup.
 */
export function authSecret(): string {
  if (process.env.AUTH_SECRET) return process.env.AUTH_SECRET;
  const file = path.join(process.env.KEYCARD_DATA_DIR || ".data", "auth.secret");
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
      fs.writeFileSync(file, randomBytes(32).toString("base64"), { mode: 0o600, flag: "wx" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  return fs.readFileSync(file, "utf8").trim();
}
