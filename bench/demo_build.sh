#!/usr/bin/env bash
# Demo build time and PostgreSQL connection peak, as reported in docs/performance.md.
# Usage: bench/demo_build.sh [BRANCHES] [ADMIN_URL]
set -euo pipefail
branches=${1:-40}
admin=${2:-postgresql://postgres@127.0.0.1:5432/postgres}
cxzy=${CXZY:-.venv/bin/cxzy}
db=cxzy_bench_demo
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; kill "${sampler:-0}" 2>/dev/null || true' EXIT

echo "== SQLite, default demo (6 branches)"
/usr/bin/time -f "wall %e s, max RSS %M KB" "$cxzy" demo --no-serve --data-dir "$tmp/sqlite"

psql "$admin" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
url=$(python3 -c "import sys;u=sys.argv[1];print(u.rsplit('/',1)[0]+'/$db')" "$admin")
(while true; do psql "$admin" -Atc "SELECT count(*) FROM pg_stat_activity WHERE datname='$db'"; sleep 0.05; done) >"$tmp/conns" 2>/dev/null &
sampler=$!
echo "== PostgreSQL, $branches branches, --max-connections 20"
/usr/bin/time -f "wall %e s, max RSS %M KB" "$cxzy" demo --no-serve --branches "$branches" --max-connections 20 --database-url "$url" --data-dir "$tmp/pg"
kill "$sampler"; sampler=0
echo "connections to $db: peak $(sort -n "$tmp/conns" | tail -1) over $(wc -l <"$tmp/conns") samples (limit 20)"
psql "$admin" -qc "DROP DATABASE IF EXISTS $db"
