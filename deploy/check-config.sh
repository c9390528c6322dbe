#!/usr/bin/env bash
# Runs a built gatehouse binary with the configuration the deployment files give it, so that
# a renamed or mistyped key in them fails CI. Usage: deploy/check-config.sh target/debug/gatehouse
# (.ci/run calls it after `cargo test`, which builds that binary.) Checked, each with
# `gatehouse migrate` on a throw-away SQLite database and the in-process cache (the services
# the files name do not exist here), everything else as written:
#   - deploy/kubernetes/base/gatehouse.toml with the Deployment's GATEHOUSE_* variables;
#   - the GATEHOUSE__* environment of deploy/compose.yaml;
#   - the GATEHOUSE__* ENV of deploy/Containerfile;
# and a misspelt key must be refused, so that a binary that checks nothing cannot pass.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(realpath "${1:?usage: deploy/check-config.sh path/to/gatehouse}")"
[ -x "$bin" ] || { echo "FATAL: $bin is not an executable" >&2; exit 1; }
PY="${PYTHON:-python3}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Writes <name>.env (NAME=VALUE lines): the variables each deployment file sets.
"$PY" - "$tmp" <<'PYEOF'
import re, sys, yaml
out = sys.argv[1]
def write(name, env):
    with open(f"{out}/{name}.env", "w") as f:
        for k, v in env.items():
            f.write(f"{k}={v}\n")
    if not env:
        sys.exit(f"{name}: no GATEHOUSE variables found")
# Kubernetes: literal values of the Deployment (secretKeyRef values are replaced below).
docs = [d for d in yaml.safe_load_all(open("deploy/kubernetes/base/deployment.yaml")) if d]
env = {}
for e in docs[0]["spec"]["template"]["spec"]["containers"][0]["env"]:
    env[e["name"]] = e.get("value", "from-secret")
write("kubernetes", env)
# Compose: the nodes' environment, with ${VAR:-default} replaced by its default and the
# required ${GATEHOUSE_MASTER_KEY:?...} by a fresh key, as the operator would set it.
import base64, os
required = {"GATEHOUSE_MASTER_KEY": base64.b64encode(os.urandom(32)).decode()}
def expand(value):
    value = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(value))
    return re.sub(r"\$\{([A-Z_]+):\?[^}]*\}", lambda m: required[m.group(1)], value)
compose = yaml.safe_load(open("deploy/compose.yaml"))
node = compose["services"]["gatehouse-1"]["environment"]
write("compose", {k: expand(v) for k, v in node.items()})
# Containerfile: its ENV instruction (continued lines joined).
text = open("deploy/Containerfile").read().replace("\\\n", " ")
env = {}
for line in text.splitlines():
    if line.startswith("ENV "):
        for k, v in re.findall(r'(GATEHOUSE\w+)=("[^"]*"|\S+)', line):
            env[k] = v.strip('"')
write("containerfile", env)
PYEOF

run() { # name, extra NAME=VALUE...
  local name="$1"; shift
  local dir="$tmp/$name-data"
  mkdir -p "$dir"
  openssl rand -base64 32 > "$tmp/master.key" 2>/dev/null \
    || "$PY" -c 'import base64,os;print(base64.b64encode(os.urandom(32)).decode())' > "$tmp/master.key"
  local vars=()
  while IFS= read -r line; do vars+=("$line"); done < "$tmp/$name.env"
  # The services and paths of a real deployment, swapped for local throw-away ones.
  vars+=("GATEHOUSE__DATA_DIR=$dir" "GATEHOUSE__DATABASE__URL=sqlite://$dir/gatehouse.db?mode=rwc"
         "GATEHOUSE__CACHE__REDIS_URL=" "GATEHOUSE__SECRETS__MASTER_KEY_FILE=$tmp/master.key" "$@")
  if [ -n "${config:-}" ]; then vars+=("GATEHOUSE_CONFIG=$config"); fi
  env -i PATH="$PATH" "${vars[@]}" "$bin" migrate > "$tmp/$name.log" 2>&1
}

config=deploy/kubernetes/base/gatehouse.toml run kubernetes \
  || { cat "$tmp/kubernetes.log" >&2; echo "FATAL: gatehouse refused deploy/kubernetes/base/gatehouse.toml" >&2; exit 1; }
echo "ok: gatehouse accepts deploy/kubernetes/base/gatehouse.toml and the Deployment's variables"
config='' run compose \
  || { cat "$tmp/compose.log" >&2; echo "FATAL: gatehouse refused the environment of deploy/compose.yaml" >&2; exit 1; }
echo "ok: gatehouse accepts the environment of deploy/compose.yaml"
config='' run containerfile \
  || { cat "$tmp/containerfile.log" >&2; echo "FATAL: gatehouse refused the ENV of deploy/Containerfile" >&2; exit 1; }
echo "ok: gatehouse accepts the ENV of deploy/Containerfile"

if config='' run containerfile GATEHOUSE__SERVER__BIMD=0.0.0.0:8080; then
  echo "FATAL: gatehouse accepted a misspelt key: this check proves nothing" >&2; exit 1
fi
grep -q "configuration error" "$tmp/containerfile.log" \
  || { cat "$tmp/containerfile.log" >&2; echo "FATAL: a misspelt key failed for another reason" >&2; exit 1; }
echo "ok: gatehouse refuses a misspelt key"
