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

if [ ! -d ../oidc/node_modules/oidc-provider ]; then
  (cd ../oidc && npm ci --no-audit --no-fund --silent)
fi

cargo build --quiet --manifest-path "$root/Cargo.toml" --bin concentric
data=$(mktemp -d)
port=18475
idp_port=18476
# The company's identity provider, knowing a demo person (single sign-on flow).
PORT=$idp_port CLIENT_ID=concentric CLIENT_SECRET=browser-test-secret \
  REDIRECT_URIS="http://127.0.0.1:$port/auth/sso/sso/callback" POST_LOGOUT_URIS="http://127.0.0.1:$port/login" \
  ACCOUNTS='{"zoe":{"email":"zoe.rahman@northwind.example.com","email_verified":true,"name":"Zoe Rahman"}}' \
  KEYS_DIR="$data" node ../oidc/provider.mjs >/dev/null 2>&1 &
idp=$!
CONCENTRIC_OIDC_ISSUER="http://127.0.0.1:$idp_port" CONCENTRIC_OIDC_CLIENT_ID=concentric \
  CONCENTRIC_OIDC_CLIENT_SECRET=browser-test-secret CONCENTRIC_OIDC_LABEL="Northwind login" \
  "$root/target/debug/concentric" --data-dir "$data" --listen "127.0.0.1:$port" --metrics-listen off --log-level warn serve --demo &
server=$!
trap 'kill $server $idp 2>/dev/null || true; rm -rf "$data"' EXIT
# The server listens only after migrating and loading the demo, so an open port means ready.
for _ in $(seq 1 150); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.2
done
node request_flow.mjs "http://127.0.0.1:$port"
node sso_flow.mjs "http://127.0.0.1:$port"
node accessibility.mjs "http://127.0.0.1:$port"
