#!/usr/bin/env bash
# Renders every kustomize overlay under k8s/overlays/ with kubectl and validates each object
# offline (tests/deploy/validate-k8s.mjs): core kinds against Kubernetes' schemas, custom
# resources against their operators' CRDs, read from ETP_CRDS_DIR or ../shared/crds beside the
# repository (or beside the one it was cloned from). Fails, naming what is missing, when
# kubectl, the npm packages or the CRDs are not there. First proves the validator refuses bad
# objects.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# The CRDs: ETP_CRDS_DIR, else ../shared/crds beside this checkout, else beside the checkout it
# was cloned from (a clone in a scratch folder, as CI makes, has no shared/ beside it).
crds=${ETP_CRDS_DIR:-$root/../shared/crds}
if [[ -z ${ETP_CRDS_DIR:-} && ! -d $crds ]]; then
    origin=$(git -C "$root" remote get-url origin 2>/dev/null || true)
    [[ -n $origin && -d $origin/../shared/crds ]] && crds=$(cd "$origin/../shared/crds" && pwd)
fi
validate=(node "$root/tests/deploy/validate-k8s.mjs" --crds "$crds")

command -v kubectl >/dev/null || { echo "k8s_test: kubectl is missing (scripts/install-deps installs it)" >&2; exit 1; }
command -v node >/dev/null || { echo "k8s_test: node is missing (scripts/install-deps installs it)" >&2; exit 1; }
[[ -d $root/node_modules/ajv && -d $root/node_modules/kubernetes-models ]] ||
    { echo "k8s_test: node_modules lacks the validator's packages (run scripts/install-deps)" >&2; exit 1; }
[[ -d $crds ]] ||
    { echo "k8s_test: no CRD folder at $crds (nor beside the origin checkout); set ETP_CRDS_DIR to the folder of the Strimzi, CloudNativePG and Prometheus Operator CRDs" >&2; exit 1; }

cd "$root"
"${validate[@]}" --self-test

overlays=("$root"/k8s/overlays/*/)
[[ -d ${overlays[0]} ]] || { echo "k8s_test: no overlays under k8s/overlays/" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for overlay in "${overlays[@]}"; do
    name=$(basename "$overlay")
    if ! kubectl kustomize "$overlay" >"$work/$name.yaml" 2>"$work/$name.err"; then
        echo "k8s_test: kubectl kustomize k8s/overlays/$name failed:" >&2
        cat "$work/$name.err" >&2
        status=1
        continue
    fi
    (cd "$work" && "${validate[@]}" "$name.yaml") || status=1
done
exit $status
