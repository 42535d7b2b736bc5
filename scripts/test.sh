#!/usr/bin/env bash
# Run the whole test suite (sets up first if needed). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate

# The browser tests drive Debian's Chromium through Playwright (never a downloaded browser).
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "== installing chromium for the browser tests"
  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
    || echo "   (no chromium: browser tests will skip)"
fi

echo "== lint and types"
ruff check facedex tests bench
ruff format --check facedex tests bench
mypy

echo "== tests"
python -m pytest -q -ra --durations=15 "$@"
