import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Lets parallel builds (e.g. a benchmark while developing) use their own folder.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  // PGlite and the pg driver load WASM / native-ish code that must not be bundled.
  serverExternalPackages: ["@electric-sql/pglite", "@electric-sql/pglite-socket", "pglite-prisma-adapter", "pg", "@prisma/adapter-pg"],
  allowedDevOrigins: ["127.0.0.1"],
  // Next rewrites 127.0.0.1 to localhost in request URLs by default, so Auth.js would build its OAuth
  // callback with a different host than the browser used (invalid_grant / MissingCSRF). Keep the host.
  skipProxyUrlNormalize: true,
  poweredByHeader: false,
  // Type checking is its own step of the test command (tsc --noEmit over the whole project, tests
  // included); the build need not repeat it.
  typescript: { ignoreBuildErrors: true },
  typedRoutes: false,
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Frame-Options", value: "DENY" },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "same-origin" },
          { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
        ],
      },
    ];
  },
};

export default nextConfig;
