#!/usr/bin/env bash
# Runs each property test of the parsers of outside input for a while and reports how many
# cases it tried and whether any failed. CI runs the same tests with proptest's default 256
# cases; this keeps drawing fresh random batches until the time is up.
#
#   bench/fuzz.sh [SECONDS_PER_TEST]        (default 600: ten minutes each)
#   FUZZ_BATCH=20000 FUZZ_PROFILE=release bench/fuzz.sh 600
#
# A failure stops that test and prints proptest's minimal failing case.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-600}
batch=${FUZZ_BATCH:-20000}
profile=${FUZZ_PROFILE:-release}
profile_flag=()
[ "$profile" = release ] && profile_flag=(--release)

# package  test (exact path in its library's tests)
tests=(
  "gatehouse-auth-server params::tests::prop_params_any_bytes"
  "gatehouse-auth-server params::tests::prop_params_round_trip"
  "gatehouse-auth-server client_auth::tests::prop_basic_credentials_round_trip"
  "gatehouse-auth-server client_auth::tests::prop_basic_credentials_any_header"
  "gatehouse-auth-server authorize::request::tests::prop_prompt"
  "gatehouse-auth-server authorize::request::tests::prop_claims_parameter"
  "gatehouse-auth-server authorize::request::tests::prop_claims_parameter_objects"
  "gatehouse-domain parsers_props::prop_normalize_email"
  "gatehouse-domain parsers_props::prop_normalize_email_shapes"
  "gatehouse-domain parsers_props::prop_redirect_uri"
  "gatehouse-domain parsers_props::prop_origin"
  "gatehouse-domain parsers_props::prop_claim_paths"
  "gatehouse config::tests::prop_environment_values"
)

echo "building the test binaries ($profile)"
cargo test "${profile_flag[@]}" --lib --no-run -q \
  -p gatehouse-auth-server -p gatehouse-domain -p gatehouse

log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed=0
printf '%-72s %12s  %s\n' TEST CASES RESULT
for entry in "${tests[@]}"; do
  read -r package name <<<"$entry"
  deadline=$((SECONDS + seconds))
  cases=0
  result=ok
  while [ "$SECONDS" -lt "$deadline" ]; do
    if PROPTEST_CASES=$batch cargo test "${profile_flag[@]}" -q -p "$package" --lib -- \
        --exact "$name" >"$log" 2>&1; then
      cases=$((cases + batch))
    else
      result=FAILED
      failed=1
      break
    fi
  done
  printf '%-72s %12d  %s\n' "$package $name" "$cases" "$result"
  if [ "$result" = FAILED ]; then
    grep -E "minimal failing input|panicked|assert" "$log" | head -20 || cat "$log"
  fi
done
exit "$failed"
