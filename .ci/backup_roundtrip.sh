#!/bin/bash
# Backup and restore round trip (make backup-check; .ci/run runs it after make test).
#
# On a throwaway PostgreSQL cluster (.ci/pg_throwaway.sh): migrate and seed the demo database,
# fingerprint it (the decision count, every decision's reference and content_hash, a sha256 over
# that sorted list, and the row count of every table), back it up with pg_dump -Fc, restore the
# dump into a second, empty database with pg_restore, fingerprint that and compare. Any
# difference exits 1. Then it proves the comparison can fail: one decision's content_hash is
# changed in the restored copy and the comparison must now report a difference. The cluster and
# the dump are removed on every exit (trap).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -n "$PGBIN" ] || { echo "backup-check: no PostgreSQL binaries under /usr/lib/postgresql" >&2; exit 2; }
export PGBIN

WORK=$(mktemp -d -t rcrp-backup.XXXXXX)
PGDATA_DIR=""
cleanup() {
  [ -n "$PGDATA_DIR" ] && .ci/pg_throwaway.sh stop "$PGDATA_DIR"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

eval "$(.ci/pg_throwaway.sh start)"
SOURCE=rcrp_backup_source
RESTORED=rcrp_backup_restored
psql() { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

# The database the app migrates and seeds, exactly as a deployment would (DEBUG=1 for seed_demo;
# RCRP_READ_DOTENV=0 so a developer's .env plays no part).
"$PGBIN/createdb" "$SOURCE"
export DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$SOURCE" DEBUG=1 RCRP_READ_DOTENV=0
echo "backup-check: migrating and seeding the demo database..."
"$PY" manage.py migrate --verbosity 0
"$PY" manage.py seed_demo >/dev/null

fingerprint() {  # fingerprint DB OUT_DIR
  local db=$1 out=$2
  mkdir -p "$out"
  psql -d "$db" -At -c "SELECT count(*) FROM toolkit_decision" >"$out/count"
  psql -d "$db" -At -F ' ' -c "SELECT reference, content_hash FROM toolkit_decision" | LC_ALL=C sort >"$out/decisions"
  sha256sum <"$out/decisions" | cut -d' ' -f1 >"$out/sha256"
  # Every table's exact row count, not the planner's estimate.
  psql -d "$db" -At -F ' ' -c "
    SELECT table_name,
           (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text
      FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
     ORDER BY table_name" >"$out/tables"
}

compare() {  # compare A_DIR B_DIR: 0 when they match, 1 (and the differences) when not
  local a=$1 b=$2 same=0
  for part in count sha256 decisions tables; do
    if ! cmp -s "$a/$part" "$b/$part"; then
      echo "backup-check: $part differs after restore:" >&2
      diff "$a/$part" "$b/$part" | head -20 >&2 || true
      same=1
    fi
  done
  return $same
}

fingerprint "$SOURCE" "$WORK/source"
COUNT=$(cat "$WORK/source/count")
if [ "$COUNT" -eq 0 ]; then
  echo "backup-check: the seeded database has no decisions: nothing to check" >&2
  exit 1
fi
if grep -qE ' $' "$WORK/source/decisions"; then
  echo "backup-check: note: some decisions have no content_hash yet (in progress)"
fi

echo "backup-check: pg_dump -Fc, then pg_restore into a fresh database..."
"$PGBIN/pg_dump" -Fc --no-owner -d "$SOURCE" -f "$WORK/rcrp.dump"
"$PGBIN/createdb" "$RESTORED"
"$PGBIN/pg_restore" --exit-on-error --no-owner -d "$RESTORED" "$WORK/rcrp.dump"

fingerprint "$RESTORED" "$WORK/restored"
if ! compare "$WORK/source" "$WORK/restored"; then
  echo "backup-check: FAILED: the restored database differs from the one backed up" >&2
  exit 1
fi
TABLES=$(wc -l <"$WORK/source/tables")
echo "backup-check: OK: $COUNT decisions, sha256 $(cat "$WORK/source/sha256"), $TABLES tables with the same row counts"

# The comparison must be able to fail: change one decision in the restored copy (decisions are
# append-only by trigger; session_replication_role=replica lets this throwaway copy be changed).
psql -d "$RESTORED" -c "SET session_replication_role = replica" \
  -c "UPDATE toolkit_decision SET content_hash = md5(content_hash || 'tampered')
       WHERE id = (SELECT min(id) FROM toolkit_decision)"
fingerprint "$RESTORED" "$WORK/tampered"
if compare "$WORK/source" "$WORK/tampered" 2>/dev/null; then
  echo "backup-check: FAILED: a changed decision went unnoticed by the comparison" >&2
  exit 1
fi
echo "backup-check: OK: a changed decision in the restored copy is detected"
