import path from "node:path";
import { defineConfig } from "prisma/config";

// DATABASE_URL is optional: the embedded default (PGlite) needs none, and `prisma generate` does not
// connect. Prisma's env() helper throws when it is unset, hence process.env.
export default defineConfig({
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations"), seed: "tsx prisma/seed.ts" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/keycard" },
});
