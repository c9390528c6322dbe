#!/usr/bin/env bash
# The soak test (not CI): Gatehouse on PostgreSQL + Redis under mixed traffic at 80 % of the
# capacity measured first, for SOAK_SECONDS (600). Reports the errors of each kind of request
# (target 0) and the server's RSS over time (target: flat within 10 % after warm-up).
#
#   BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres bench/soak.sh
#
# Tunables: SOAK_SECONDS (600), SOAK_LOAD (0.8: the share of capacity), SOAK_SAMPLE (10: RSS
# every N seconds), BENCH_REDIS_URL (redis://127.0.0.1:6379), BENCH_PORT (18091).
# See docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${BENCH_POSTGRES_URL:?set BENCH_POSTGRES_URL to an admin URL, e.g. postgres://postgres@127.0.0.1:5432/postgres}"
SECS=${SOAK_SECONDS:-600}
LOAD_SHARE=${SOAK_LOAD:-0.8}
SAMPLE=${SOAK_SAMPLE:-10}
REDIS=${BENCH_REDIS_URL:-redis://127.0.0.1:6379}
PORT=${BENCH_PORT:-18091}
BASE="http://127.0.0.1:$PORT"
# Access tokens outlive the run: each connection of the load generator keeps the token it got
# at the start (an expired one would count as an error of the load, not of the server).
# Mixed traffic: what one client application and its users do, each kind on its own
# connections, all at once.
KINDS=(client_credentials refresh userinfo introspection signin)

cargo build --release -q -p gatehouse -p gatehouse-bench
TARGET=${CARGO_TARGET_DIR:-$PWD/target}
GH=$TARGET/release/gatehouse
LOAD=$TARGET/release/gatehouse-loadgen
json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"; }

work=$(mktemp -d)
db="gatehouse_soak_$$"
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  psql "$BENCH_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
psql "$BENCH_POSTGRES_URL" -qc "CREATE DATABASE $db"
export GATEHOUSE__SERVER__BIND="127.0.0.1:$PORT" GATEHOUSE__ISSUER="$BASE" \
  GATEHOUSE__DATA_DIR="$work" GATEHOUSE__DATABASE__URL="${BENCH_POSTGRES_URL%/*}/$db?sslmode=disable" \
  GATEHOUSE__DATABASE__MAX_CONNECTIONS=16 GATEHOUSE__LOG__LEVEL=warn \
  GATEHOUSE__CACHE__REDIS_URL="$REDIS" GATEHOUSE__CACHE__KEY_PREFIX="gatehouse-soak-$$:" \
  GATEHOUSE_BOOTSTRAP_ADMIN_PASSWORD="soak admin passphrase" \
  GATEHOUSE__TOKENS__ACCESS_TOKEN_TTL_SECS=$((SECS + 600)) \
  GATEHOUSE__RATE_LIMIT__PASSWORD_PER_IP=0 GATEHOUSE__RATE_LIMIT__PASSWORD_PER_ACCOUNT=0 \
  GATEHOUSE__RATE_LIMIT__PASSWORD_PER_IP_ACCOUNT=0 GATEHOUSE__RATE_LIMIT__AUTHORIZE_PER_IP=0
"$GH" migrate >/dev/null
svc=$("$GH" client create --name soak-service --grant-type client_credentials --scope api --access-token-signing-alg ES256 --json)
web=$("$GH" client create --name soak-web --redirect-uri http://127.0.0.1:9/cb --first-party --access-token-signing-alg ES256 --id-token-signed-response-alg ES256 --json)
"$GH" serve >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.1; done

# Sets ARGS to the credentials a kind of request needs.
args_of() {
  case $1 in
    client_credentials) ARGS=(--client-id "$(json_field client_id <<<"$svc")" --client-secret "$(json_field client_secret <<<"$svc")") ;;
    *) ARGS=(--client-id "$(json_field client_id <<<"$web")" --client-secret "$(json_field client_secret <<<"$web")"
         --email admin@localhost --password "soak admin passphrase") ;;
  esac
}

echo "== capacity (each kind alone, 8 connections, 10 s), commit $(git rev-parse --short HEAD)"
declare -A capacity
for kind in "${KINDS[@]}"; do
  args_of "$kind"
  line=$("$LOAD" "$kind" --base "$BASE" --connections 8 --seconds 10 "${ARGS[@]}")
  echo "$line"
  capacity[$kind]=$(awk '{print $2}' <<<"$line")
done

# Together at LOAD_SHARE of capacity: each kind gets its share of its own capacity.
n=${#KINDS[@]}
echo "== soak: ${SECS} s, all kinds at once, each at ${LOAD_SHARE} / $n of its capacity; RSS every ${SAMPLE} s"
loads=()
for kind in "${KINDS[@]}"; do
  rate=$(python3 -c "print(max(1.0, ${capacity[$kind]} * $LOAD_SHARE / $n))")
  args_of "$kind"
  "$LOAD" "$kind" --base "$BASE" --connections 4 --seconds "$SECS" --rate "$rate" --label "$kind @ ${rate%.*}/s" \
    "${ARGS[@]}" >"$work/$kind.out" 2>&1 &
  loads+=($!)
done
rss_log="$work/rss.csv"
echo "seconds,rss_kib" >"$rss_log"
start=$(date +%s)
while true; do
  now=$(( $(date +%s) - start ))
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
  echo "$now,$rss" >>"$rss_log"
  [ "$now" -ge "$SECS" ] && break
  sleep "$SAMPLE"
done
failed=0
for i in "${!loads[@]}"; do wait "${loads[$i]}" || failed=1; done
echo "== results"
cat "$work"/*.out
echo "== RSS (KiB) over time"
python3 - "$rss_log" "$SAMPLE" <<'EOF'
import csv, sys
rows = [(int(r["seconds"]), int(r["rss_kib"])) for r in csv.DictReader(open(sys.argv[1]))]
for s, kib in rows:
    print(f"{s:>6} s  {kib:>9} KiB")
# After a minute of warm-up (pools, caches, allocator arenas) the RSS should stay flat.
warm = [kib for s, kib in rows if s >= 60] or [kib for _, kib in rows]
low, high = min(warm), max(warm)
drift = (high - low) / low * 100
print(f"after warm-up: min {low} KiB, max {high} KiB, spread {drift:.1f} % (target <= 10 %)")
EOF
errors=$(cat "$work"/*.out | sed -n 's/.*(\([0-9]*\) ok, \([0-9]*\) errors).*/\2/p' | awk '{s+=$1} END {print s+0}')
echo "errors in all: $errors (target 0)"
grep -c '"level":"ERROR"\|ERROR' "$work/serve.log" | sed 's/^/server error lines: /' || true
[ "$failed" = 0 ]
