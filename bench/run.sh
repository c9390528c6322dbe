#!/usr/bin/env bash
# The Gatehouse load benchmark: builds in release, starts Gatehouse on loopback and measures
# each scenario with 16 connections for 15 s, on SQLite and (when BENCH_POSTGRES_URL is set,
# an admin URL such as postgres://postgres@127.0.0.1:5432/postgres) on PostgreSQL.
# Tunables: BENCH_SECONDS (15), BENCH_CONNECTIONS (16), BENCH_PORT (18090),
# BENCH_ATTACK_RATE (1000, wrong client secrets per second in the abuse load check).
# See docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."

SECS=${BENCH_SECONDS:-15}
CONNS=${BENCH_CONNECTIONS:-16}
PORT=${BENCH_PORT:-18090}
BASE="http://127.0.0.1:$PORT"

cargo build --release -q -p gatehouse -p gatehouse-bench
TARGET=${CARGO_TARGET_DIR:-$PWD/target}
GH=$TARGET/release/gatehouse
LOAD=$TARGET/release/gatehouse-loadgen

json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"; }

suite() {
  local label=$1 db_url=$2 work
  work=$(mktemp -d)
  export GATEHOUSE__SERVER__BIND="127.0.0.1:$PORT" GATEHOUSE__ISSUER="$BASE" \
    GATEHOUSE__DATA_DIR="$work" GATEHOUSE__DATABASE__URL="$db_url" \
    GATEHOUSE__DATABASE__MAX_CONNECTIONS=16 GATEHOUSE__LOG__LEVEL=warn \
    GATEHOUSE_BOOTSTRAP_ADMIN_PASSWORD="bench admin passphrase" \
    GATEHOUSE__RATE_LIMIT__PASSWORD_PER_IP=0 GATEHOUSE__RATE_LIMIT__PASSWORD_PER_ACCOUNT=0 \
    GATEHOUSE__RATE_LIMIT__PASSWORD_PER_IP_ACCOUNT=0 GATEHOUSE__RATE_LIMIT__AUTHORIZE_PER_IP=0
  # One user signs in from one address thousands of times a second: the sign-in and
  # /authorize limits are off here; the client authentication limits stay at their defaults
  # (the abuse scenario checks them).
  "$GH" migrate >/dev/null
  local es rs web
  es=$("$GH" client create --name bench-es256 --grant-type client_credentials --scope api --access-token-signing-alg ES256 --json)
  victim=$("$GH" client create --name bench-victim --grant-type client_credentials --scope api --json)
  rs=$("$GH" client create --name bench-rs256 --grant-type client_credentials --scope api --access-token-signing-alg RS256 --json)
  # The browser-flow client signs ID and access tokens with ES256; bench-web-rs256 keeps the
  # RS256 ID-token default, to show what RSA signing costs a refresh.
  web=$("$GH" client create --name bench-web --redirect-uri http://127.0.0.1:9/cb --first-party --access-token-signing-alg ES256 --id-token-signed-response-alg ES256 --json)
  webrs=$("$GH" client create --name bench-web-rs256 --redirect-uri http://127.0.0.1:9/cb --first-party --access-token-signing-alg ES256 --json)
  # The decision scenario: ten policies and 1,000 ACL entries (pdp@localhost is owner, editor
  # or reader of documents 0-999).
  printf 'bench pdp passphrase' | "$GH" user create --email pdp@localhost --verified --password-stdin >/dev/null
  pdp=$("$GH" client create --name bench-pdp --grant-type client_credentials --scope api --json)
  local pdp_id
  pdp_id=$(json_field client_id <<<"$pdp")
  "$GH" policy set --resource-server "$pdp_id" --schema bench/policies/docs.cedarschema --policies bench/policies/docs.cedar >/dev/null
  local relations=(owner editor reader)
  for i in $(seq 0 999); do
    "$GH" acl add --resource-server "$pdp_id" --user pdp@localhost --relation "${relations[$((i % 3))]}" --resource "Document:$i" >/dev/null
  done
  "$GH" serve >"$work/serve.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 200); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.1; done
  local common=(--base "$BASE" --connections "$CONNS" --seconds "$SECS")
  local webargs=(--client-id "$(json_field client_id <<<"$web")" --client-secret "$(json_field client_secret <<<"$web")"
    --email admin@localhost --password "bench admin passphrase")
  echo "== $label ($CONNS connections, $SECS s each, commit $(git rev-parse --short HEAD))"
  "$LOAD" discovery "${common[@]}"
  "$LOAD" jwks "${common[@]}"
  "$LOAD" client_credentials "${common[@]}" --label "client_credentials ES256" --client-id "$(json_field client_id <<<"$es")" --client-secret "$(json_field client_secret <<<"$es")"
  "$LOAD" client_credentials "${common[@]}" --label "client_credentials RS256" --client-id "$(json_field client_id <<<"$rs")" --client-secret "$(json_field client_secret <<<"$rs")"
  "$LOAD" refresh "${common[@]}" "${webargs[@]}"
  "$LOAD" refresh "${common[@]}" "${webargs[@]}" --label "refresh (RS256 ID token)" --client-id "$(json_field client_id <<<"$webrs")" --client-secret "$(json_field client_secret <<<"$webrs")"
  "$LOAD" userinfo "${common[@]}" "${webargs[@]}"
  "$LOAD" introspection "${common[@]}" "${webargs[@]}"
  "$LOAD" decision "${common[@]}" --email pdp@localhost --client-id "$pdp_id" --client-secret "$(json_field client_secret <<<"$pdp")"
  "$LOAD" signin "${common[@]}" "${webargs[@]}"
  echo "-- load check: wrong secrets for bench-victim at ${BENCH_ATTACK_RATE:-1000}/s from 127.0.0.2 (rate_limit.client_auth_failures_per_client = 20 a minute)"
  "$LOAD" abuse "${common[@]}" --client-id "$(json_field client_id <<<"$es")" --client-secret "$(json_field client_secret <<<"$es")" \
    --target-client-id "$(json_field client_id <<<"$victim")" --attack-rate "${BENCH_ATTACK_RATE:-1000}" --attacker-ip 127.0.0.2
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}

"$LOAD" argon2 --seconds 5
# Cedar's evaluation alone, in-process (what a warm node spends per decision beyond HTTP).
"$TARGET/release/gatehouse-decide" --policies bench/policies
suite "SQLite" "sqlite://$(mktemp -d)/bench.db?mode=rwc"
if [ -n "${BENCH_POSTGRES_URL:-}" ]; then
  db="gatehouse_bench_$$"
  psql "$BENCH_POSTGRES_URL" -qc "CREATE DATABASE $db"
  # Loopback: no TLS between Gatehouse and PostgreSQL (sqlx would otherwise negotiate it).
  suite "PostgreSQL" "${BENCH_POSTGRES_URL%/*}/$db?sslmode=disable"
  psql "$BENCH_POSTGRES_URL" -qc "DROP DATABASE $db WITH (FORCE)"
fi
