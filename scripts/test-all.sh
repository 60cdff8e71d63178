#!/usr/bin/env bash
# The whole suite on a fresh machine: installs what it needs, then static checks, unit tests,
# a production build and the end-to-end tests in headless Chromium (WebGPU through SwiftShader).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  echo "== installing Debian's chromium (Playwright's own browser download cannot work here)"
  SUDO=""; [ "$(id -u)" != 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

if [ ! -d node_modules ] || [ "${CI:-}" = "true" ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund
fi

echo "== static checks (typecheck, lint, format)"
npm run check

echo "== unit tests (Vitest: math on the tfjs CPU backend, many-step behaviour on wasm)"
npx vitest run

echo "== production build"
npm run build

echo "== end-to-end tests (Playwright, headless Chromium)"
npx playwright test
