#!/usr/bin/env bash
# Offline static security gates (records-security-reliability T1), run by `make security` and .ci/run.
#   1. bandit -r reviewboard -ll       (medium and high severity)
#   2. semgrep with security/semgrep.yml only (no registry packs, no metrics) on reviewboard/ and templates/
# Prints PASS/FAIL per gate and exits non-zero if any gate finds anything or cannot run.
# Tools live in .venv-security (created by security/install.sh when missing).
set -uo pipefail
cd "$(dirname "$0")/.."
GATE_TIMEOUT="${GATE_TIMEOUT:-300}"   # seconds, per gate
VENV=.venv-security

bash security/install.sh security || { echo "FAIL  could not install the security tools into $VENV"; exit 1; }

export SEMGREP_SEND_METRICS=off SEMGREP_ENABLE_VERSION_CHECK=0
failed=0
gate() {  # gate NAME COMMAND...
  local name="$1"; shift
  local start=$SECONDS rc
  echo "==> $name"
  timeout --kill-after=10 "$GATE_TIMEOUT" "$@"
  rc=$?
  local took=$((SECONDS - start))
  if [[ $rc -eq 0 ]]; then
    echo "PASS  $name (${took}s)"
  elif [[ $rc -eq 124 || $rc -eq 137 ]]; then
    echo "FAIL  $name: timed out after ${GATE_TIMEOUT}s"; failed=1
  else
    echo "FAIL  $name (exit $rc, ${took}s): see the findings above"; failed=1
  fi
}

gate "bandit (reviewboard/, severity >= medium)" \
  "$VENV/bin/bandit" -r reviewboard -ll -q
# --no-git-ignore: also scan files not yet committed (semgrep otherwise limits itself to git's list).
gate "semgrep (security/semgrep.yml on reviewboard/ templates/)" \
  "$VENV/bin/semgrep" scan --config security/semgrep.yml --metrics=off --error --disable-version-check \
    --timeout 60 --no-git-ignore --quiet reviewboard templates

if [[ $failed -ne 0 ]]; then
  echo "Security gates: FAIL"
  exit 1
fi
echo "Security gates: PASS"
