#!/bin/sh
# Stand-in for Prisma's native schema engine where it cannot be downloaded (no internet here).
# `generate`, `validate` and `format` only ask for its version; every other use must fail loudly, so that
# `prisma migrate …` never silently does nothing. Migrations are created and applied by scripts/db/ instead.
if [ "$1" = "--version" ] || [ "$1" = "-V" ]; then
  echo "schema-engine-stub 7.10.1"
  exit 0
fi
echo "Prisma's native schema engine is not installed here; use npm run db:migrate / db:migration" >&2
exit 1
