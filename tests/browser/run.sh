#!/usr/bin/env bash
# Browser tests of the web UI: playwright-core drives Debian's chromium
# against `aipm serve` (each test starts its own server on port 0 and its own
# browser). Installs chromium and the npm packages when missing, builds aipm,
# and runs node's test runner here. Arguments go to `node --test` (e.g. a
# test file). AIPM_UPDATE_SCREENSHOTS=1 also refreshes docs/screenshots/.
set -euo pipefail
cd "$(dirname "$0")"
repo=$(cd ../.. && pwd)
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"

if [ ! -x /usr/bin/chromium ]; then
  echo "== installing chromium"
  $sudo dpkg --configure -a || true
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y chromium
fi

if [ ! -d node_modules ]; then
  echo "== npm ci (tests/browser)"
  npm ci --no-audit --no-fund
fi

export AIPM_BIN="${AIPM_BIN:-${CARGO_TARGET_DIR:-$repo/target}/debug/aipm}"
# bin/test has just built aipm with the test suite; building it again alone
# would unify features differently and recompile much of the tree.
if [ "${AIPM_SKIP_BUILD:-0}" = 1 ] && [ -x "$AIPM_BIN" ]; then
  echo "== using $AIPM_BIN"
else
  echo "== building aipm"
  (cd "$repo" && cargo build --bin aipm)
fi

echo "== browser tests"
node --test --test-concurrency=1 "$@"
