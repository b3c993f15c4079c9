#!/bin/sh
# Restores a dump from scripts/backup.sh into an empty database: scripts/restore.sh DUMP URL.
# Refuses a database that already has tables (restore into a new one, check it, then switch:
# docs/operations.md, "Restore"). All or nothing: one transaction, stopped at the first error.
set -eu
dump=${1:?usage: scripts/restore.sh DUMP DATABASE_URL}
url=${2:?usage: scripts/restore.sh DUMP DATABASE_URL}
tables=$(psql --no-psqlrc -At -d "$url" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [ "$tables" != "0" ]; then
  echo "refusing to restore: the target database already has $tables tables" >&2
  exit 1
fi
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$url" "$dump"
echo "restored $dump"
