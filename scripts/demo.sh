#!/usr/bin/env bash
# Quick start: the portal on the embedded default — in-process PostgreSQL (PGlite) in .data/, demo data,
# demo sign-in, the in-process scheduler and an embedded PostgreSQL target for the demo resources.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# The embedded default never uses an outside database, even if DATABASE_URL is set in this shell.
unset DATABASE_URL
export KEYCARD_DATA_DIR="${KEYCARD_DATA_DIR:-.data}"
mkdir -p "$KEYCARD_DATA_DIR"
if [ ! -s "$KEYCARD_DATA_DIR/auth.secret" ]; then
  node -e 'process.stdout.write(require("node:crypto").randomBytes(32).toString("base64"))' > "$KEYCARD_DATA_DIR/auth.secret"
  chmod 600 "$KEYCARD_DATA_DIR/auth.secret"
fi
export AUTH_SECRET="$(cat "$KEYCARD_DATA_DIR/auth.secret")"
# A production build with demo sign-in explicitly allowed: this is a local demo, not a deployment.
export KEYCARD_DEMO=1 KEYCARD_ALLOW_DEMO_IN_PRODUCTION=1 AUTH_TRUST_HOST=true
PORT="${PORT:-3000}"

echo "==> preparing the embedded database and demo data"
npx tsx prisma/seed.ts --with-activity
echo "==> building the portal"
npx next build >/dev/null
echo
echo "    Keycard is starting at http://localhost:${PORT}"
echo "    Sign in as a demo persona. Stop with Ctrl+C."
echo
exec npx next start -p "$PORT"
