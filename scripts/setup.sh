#!/usr/bin/env bash
# Shared setup for the quick-start commands: dependencies and the Prisma client, each only when stale.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> installing dependencies"
  # npm ci cannot be used: the registry here lacks other platforms' optional packages (docs/development.md).
  npm install --no-audit --no-fund --loglevel=error
fi

# Prisma's CLI wants its native schema engine even for `generate`; the stub answers its version check
# and refuses everything else (migrations run through scripts/db instead).
export PRISMA_SCHEMA_ENGINE_BINARY="${PRISMA_SCHEMA_ENGINE_BINARY:-$PWD/scripts/prisma/schema-engine-stub.sh}"
if [ ! -f server/generated/prisma/client.ts ] || [ prisma/schema.prisma -nt server/generated/prisma/client.ts ]; then
  echo "==> generating the Prisma client"
  npx prisma generate >/dev/null
fi
