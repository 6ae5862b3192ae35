#!/usr/bin/env bash
# Installs hpmagic with everything its tests need, then runs them.
# Browser tests drive Debian's chromium; as root we install it, elsewhere it must be there.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
python -m pip install -q -e ".[test,browser,bench,mlflow,docs]"
python -m pytest "$@"
