#!/usr/bin/env bash
# Validates the stack's configuration with each tool's own checker: statsd mapping, Prometheus
# config and rule tests, Alertmanager, nginx, Grafana dashboards, compose.yml against the
# Compose Specification, every Dockerfile with hadolint and every shell script with shellcheck.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
STACK=scripts/stack

echo "--- statsd_exporter mapping";   $STACK/statsd-exporter.sh check
echo "--- prometheus config + rule tests"; $STACK/prometheus.sh check
echo "--- alertmanager config";       $STACK/alertmanager.sh check
echo "--- nginx gateway";             $STACK/gateway.sh check
echo "--- blackbox_exporter modules"; $STACK/blackbox-exporter.sh check
echo "--- grafana dashboards"
for dashboard in observability/grafana/dashboards/*.json; do
  python3 -m json.tool "$dashboard" >/dev/null
done
echo "--- compose.yml (Compose Specification schema)"
.venv/bin/check-jsonschema --builtin-schema vendor.compose-spec compose.yml
echo "--- hadolint"
# Found on disk, not listed: a new Dockerfile is linted before it is ever committed.
mapfile -t dockerfiles < <(find . \( -name .git -o -name .venv -o -name .state -o -name node_modules \) \
  -prune -o -name Dockerfile -type f -print | sort)
[ ${#dockerfiles[@]} -gt 0 ] || { echo "no Dockerfile found" >&2; exit 1; }
.venv/bin/hadolint "${dockerfiles[@]}"
echo "${#dockerfiles[@]} Dockerfiles: ${dockerfiles[*]}"
echo "--- shellcheck"
mapfile -t scripts < <(git ls-files '*.sh' .ci/run)
shellcheck -x "${scripts[@]}"
echo "config check: all passed"
