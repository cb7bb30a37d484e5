#!/usr/bin/env bash
# Quick start, second command: every test Keycard has. Typecheck, lint, the migration drift check, unit
# and integration tests on the embedded database AND on PostgreSQL (a fresh database per test file), then
# the Playwright suite against a production build. CI (.ci/run) runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export KEYCARD_SCHEDULER=off

step() { printf '\n==> %s\n' "$*"; }

step "typecheck"
npx tsc --noEmit -p .
step "lint"
npx eslint --max-warnings=0 .
step "schema and migrations agree"
npx tsx scripts/db/check-migrations.ts

step "unit and integration tests (embedded database)"
TEST_DATABASE=embedded npx vitest run

TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
export TEST_POSTGRES_URL
if node -e 'const c=new (require("pg").Client)({connectionString:process.env.TEST_POSTGRES_URL});c.connect().then(()=>c.end()).catch(()=>process.exit(1))'; then
  step "unit and integration tests (PostgreSQL at ${TEST_POSTGRES_URL%%@*}@…)"
  TEST_DATABASE=postgres npx vitest run
elif [ "${CI:-}" = "true" ] || [ "${KEYCARD_REQUIRE_POSTGRES:-}" = "1" ]; then
  echo "PostgreSQL is required here but not reachable at TEST_POSTGRES_URL" >&2
  exit 1
else
  echo "(PostgreSQL not reachable at TEST_POSTGRES_URL: skipping the PostgreSQL run; CI always runs it)"
fi

step "end-to-end tests (production build, real Chromium)"
bash scripts/ensure-chromium.sh
npx next build >/dev/null
npx playwright test
