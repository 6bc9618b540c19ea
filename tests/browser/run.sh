#!/usr/bin/env bash
# Runs the browser tests: installs Debian's Chromium, playwright-core and axe-core when missing, starts the
# server on a fresh demo database, runs each flow, stops the server.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)

if ! command -v chromium >/dev/null; then
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/axe-core ]; then
  npm install --no-audit --no-fund --silent
fi

cargo build --quiet --manifest-path "$root/Cargo.toml" --bin concentric
data=$(mktemp -d)
port=18475
"$root/target/debug/concentric" --data-dir "$data" --listen "127.0.0.1:$port" --metrics-listen off --log-level warn serve --demo &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$data"' EXIT
# The server listens only after migrating and loading the demo, so an open port means ready.
for _ in $(seq 1 150); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.2
done
node request_flow.mjs "http://127.0.0.1:$port"
node accessibility.mjs "http://127.0.0.1:$port"
