#!/usr/bin/env bash
# Create the security tool venvs, each only if missing or if its pins changed. Usage:
#   bash security/install.sh security   # .venv-security: bandit, semgrep, sqlmap
#   bash security/install.sh wapiti     # .venv-wapiti:   wapiti3 (own venv: with semgrep it resolves to a broken 3.0.3)
# The venvs live beside the repository's .venv; each gets a '*' .gitignore so git never sees it.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"

# Pins. wapiti3 3.2.3 is the last release for Python 3.11 (3.2.4+ need 3.12).
SECURITY_PINS=(bandit==1.9.4 semgrep==1.185.0 sqlmap==1.10.10)
WAPITI_PINS=(wapiti3==3.2.3)

ensure_venv() {  # ensure_venv DIR PIN...
  local dir="$1"; shift
  local stamp="$dir/.installed"
  local want="$*"
  if [[ -x "$dir/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    return 0
  fi
  echo "==> Installing $want into $dir"
  rm -rf "$dir"
  "$PYTHON" -m venv "$dir"
  printf '*\n' > "$dir/.gitignore"
  # pip's warnings about absent local find-links folders are noise here; real errors still show.
  "$dir/bin/pip" install --quiet --disable-pip-version-check --upgrade pip 2>&1 | { grep -v "is ignored: it is neither" || true; }
  "$dir/bin/pip" install --quiet --disable-pip-version-check "$@" 2>&1 | { grep -v "is ignored: it is neither" || true; }
  echo "$want" > "$stamp"
}

case "${1:-security}" in
  security) ensure_venv .venv-security "${SECURITY_PINS[@]}" ;;
  wapiti)
    ensure_venv .venv-wapiti "${WAPITI_PINS[@]}"
    got="$(.venv-wapiti/bin/python -c 'import importlib.metadata as m; print(m.version("wapiti3"))')"
    if [[ "$got" != "3.2.3" ]]; then
      echo "wapiti3 resolved to $got, not 3.2.3; refusing to use it" >&2
      rm -f .venv-wapiti/.installed
      exit 1
    fi
    ;;
  *) echo "usage: $0 security|wapiti" >&2; exit 2 ;;
esac
