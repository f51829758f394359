#!/usr/bin/env bash
# One entry point for newcomers and CI.
#   ./run.sh app    install everything, then start the app on the embedded default (demo loaded)
#   ./run.sh test   install everything, then run the linter, the type checker (mypy on journeys/) and the whole test suite
# Python packages go into ./.venv (from pyproject.toml). Debian packages the tests need
# (chromium for the browser tests, postgresql when its binaries are missing) are installed
# with apt-get when we are root, or through sudo when it is available.
set -euo pipefail
cd "$(dirname "$0")"

VENV=.venv
PY=${PYTHON:-python3}

log() { printf '\033[1m[journeys]\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else log "need root to run: $*"; return 1
  fi
}

apt_install() {
  log "installing Debian packages: $*"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

have_postgres_binaries() {
  command -v initdb >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

setup_system_for_tests() {
  local missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  have_postgres_binaries || missing+=(postgresql)
  if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
}

setup_python() {
  local extras=$1 stamp="$VENV/.installed-${1:-base}"
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating $VENV with $($PY --version)"
    "$PY" -m venv "$VENV"
  fi
  # Reinstall only when pyproject.toml changed since the last install.
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    log "installing Python packages from pyproject.toml ${extras}"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e ".$extras"
    touch "$stamp"
  fi
}

setup_node_for_tests() {
  # Mermaid's own library (package.json, pinned) judges the Mermaid exports in the browser tests.
  if [ ! -f node_modules/mermaid/dist/mermaid.min.js ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    command -v npm >/dev/null 2>&1 || apt_install nodejs npm
    log "installing npm packages from package-lock.json"
    npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
  fi
}

case "${1:-}" in
  app)
    setup_python ""
    "$VENV/bin/journeys" init --demo
    log "starting the app on http://${JOURNEYS_ADDRESS:-127.0.0.1}:${JOURNEYS_PORT:-8501}"
    exec "$VENV/bin/journeys" serve --address "${JOURNEYS_ADDRESS:-127.0.0.1}" --port "${JOURNEYS_PORT:-8501}"
    ;;
  test)
    setup_system_for_tests
    setup_node_for_tests
    # bench: pm4py (AGPL), the reference the Discover tests compare with; journeys/ never imports it
    setup_python "[test,bench]"
    "$VENV/bin/ruff" check .
    # Type-check the core (journeys/; settings in pyproject.toml's [tool.mypy]) before the slower tests.
    "$VENV/bin/mypy"
    # Two workers, a test file per worker at a time (module fixtures such as a CLI demo workspace are built
    # once): most tests wait on subprocesses, servers and the browser, so this halves the run on two cores.
    # Property tests at their full example counts (the "ci" Hypothesis profile, tests/conftest.py); a plain
    # `pytest` runs the "dev" profile, a fifth of the examples, for a quick inner loop.
    export HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-ci}"
    exec "$VENV/bin/python" -m pytest -n "${JOURNEYS_TEST_WORKERS:-2}" --dist loadfile "${@:2}"
    ;;
  *)
    echo "usage: ./run.sh app | test [pytest args]" >&2
    exit 2
    ;;
esac
