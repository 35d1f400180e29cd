#!/usr/bin/env bash
# `make helm-check`: `helm lint` the chart and validate what it renders with kubeconform,
# once per values file under deploy/helm/baobab/ci/. Without helm it says so and passes:
# the chart's static checks (tests/deploy/test_helm.py) run in `make test` either way.
# KUBECONFORM_ARGS adds options, e.g. "-schema-location /path/to/schemas" offline.
set -euo pipefail

cd "$(dirname "$0")/.."
chart=deploy/helm/baobab

if ! command -v helm >/dev/null 2>&1; then
    echo "helm-check: skipped, helm not installed (static checks run in make test)"
    exit 0
fi

validate=1
if ! command -v kubeconform >/dev/null 2>&1; then
    echo "helm-check: kubeconform not installed: rendering only, manifests not validated"
    validate=0
fi

for values in "$chart"/ci/*-values.yaml; do
    echo "helm-check: $values"
    helm lint --strict "$chart" --values "$values"
    if [[ $validate == 1 ]]; then
        # shellcheck disable=SC2086  # KUBECONFORM_ARGS is a list of options
        helm template baobab "$chart" --values "$values" \
            | kubeconform -strict -summary ${KUBECONFORM_ARGS:-}
    else
        helm template baobab "$chart" --values "$values" >/dev/null
    fi
done
echo "helm-check: ok"
