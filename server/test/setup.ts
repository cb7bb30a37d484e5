import fs from "node:fs";
import os from "node:os";
import path from "node:path";

// Tests never touch the developer's .data folder, and never start the scheduler by themselves.
process.env.KEYCARD_DATA_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), "keycard-test-"));
process.env.KEYCARD_SCHEDULER ??= "off";
