import js from "@eslint/js";
import nextPlugin from "@next/eslint-plugin-next";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

const databaseImports = {
  patterns: [
    {
      group: ["@prisma/*", "**/generated/prisma/client", "**/generated/prisma/internal/*", "@/server/db", "@/server/db/*", "**/server/db", "pg", "@electric-sql/*"],
      message: "Keep the database in server/domain: app/ and routers call domain functions (style.md).",
    },
  ],
};

export default tseslint.config(
  { ignores: [".next/**", ".next-*/**", ".data*/**", "bench/.cache/**", "node_modules/**", "server/generated/**", "test-results/**", "playwright-report/**", ".data/**", "next-env.d.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { "@next/next": nextPlugin, "react-hooks": reactHooks },
    rules: {
      ...nextPlugin.configs.recommended.rules,
      ...nextPlugin.configs["core-web-vitals"].rules,
      ...reactHooks.configs.recommended.rules,
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-explicit-any": "error",
    },
  },
  // The layers: no database in the UI or in routers.
  { files: ["app/**/*.{ts,tsx}", "server/trpc/routers/**/*.ts"], rules: { "no-restricted-imports": ["error", databaseImports] } },
);
