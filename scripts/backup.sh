#!/bin/sh
# One pg_dump of the database DATABASE_URL names, into BACKUP_DIR (default ./backups) as
# campaign-<UTC time>.dump (custom format: pg_restore reads it; scripts/restore.sh restores it).
# The dump is written under a temporary name and renamed only once complete, so a file named
# like a backup always is a whole one. Keeps the newest BACKUP_KEEP (default 14) dumps.
# Used by `make backup` and by docker-compose.yml's `backup` service (docs/operations.md).
set -eu
# Dumps hold supporters' names, addresses and IP addresses: readable by their owner only.
umask 077
: "${DATABASE_URL:?set DATABASE_URL to the database to back up}"
dir=${BACKUP_DIR:-backups}
keep=${BACKUP_KEEP:-14}
mkdir -p "$dir"
name="campaign-$(date -u +%Y%m%dT%H%M%SZ).dump"
partial="$dir/.$name.partial"
trap 'rm -f "$partial"' EXIT
pg_dump --format=custom --no-owner --no-privileges --file="$partial" "$DATABASE_URL"
mv "$partial" "$dir/$name"
# Oldest first out; names sort by time.
ls -1 "$dir" | grep '^campaign-.*\.dump$' | sort -r | tail -n +"$((keep + 1))" | while read -r old; do
  rm -f "$dir/$old"
done
echo "$dir/$name"
