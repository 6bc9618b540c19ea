#!/usr/bin/env bash
# Checks from outside against the real binary: schemathesis's generated calls from the OpenAPI
# document with tokens of three roles on the demo (every check on), the calendar feeds read by a
# second, independent iCalendar parser, SCIM 2.0 conformance checked by scim2-tester, crash safety under SIGKILL on both backends, and two
# nodes on one PostgreSQL behind a proxy with one killed mid-load.
# Installs what it needs.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)

python3 -m pip install --quiet --disable-pip-version-check -r requirements.txt

cargo build --quiet --manifest-path "$root/Cargo.toml" --bin concentric
bin="$root/target/debug/concentric"
data=$(mktemp -d)
port=18476
base="http://127.0.0.1:$port"
"$bin" --data-dir "$data" --listen "127.0.0.1:$port" --metrics-listen off --log-level info serve --demo >"$data/log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 300); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.2
done

# The demo's sign-ins are in the log: "demo sign-in: EMAIL / PASSWORD (ROLE)".
account() { grep "demo sign-in:" "$data/log" | grep "$1" | head -1 | sed 's/.*demo sign-in: \([^ ]*\) .*/\1/'; }
token() { "$bin" --data-dir "$data" --log-level warn token create --email "$1" --name "$2"; }

python3 feeds.py "$base" "$(token "$(account 'lead of Payroll')" feeds)"

# SCIM as an identity provider would use it: a provisioning client made by an admin over the API,
# then every scim2-tester check (discovery, create, read, filter, replace, patch, delete).
echo "--- scim2-tester"
admin_token=$(token "$(account admin)" provisioning)
scim_token=$(curl -sf -X POST "$base/api/v1/provisioning-clients" -H "Authorization: Bearer $admin_token" \
  -H 'Content-Type: application/json' -d '{"name": "scim2-tester"}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
python3 scim.py "$base" "$scim_token"

# Each role a run of its own; ~2,000 generated calls each. The runner's own token and its
# person stay untouched, or the rest of a run would only see 401s.
for role in admin "lead of Payroll" "requester"; do
  echo "--- schemathesis as $role"
  secret=$(token "$(account "$role")" schemathesis)
  st run "$base/api/v1/openapi.json" \
    --header "Authorization: Bearer $secret" \
    --checks all --phases examples,coverage,fuzzing --max-examples 25 --seed 20261201 \
    --exclude-name "DELETE /api/v1/tokens/{id}" --exclude-name "POST /api/v1/people/{id}/deactivate" \
    --no-color
done

# Crash safety: concurrent creates, SIGKILL at random moments, nothing acknowledged lost.
echo "--- crash safety (SIGKILL under create load)"
crash_dir=$(mktemp -d)
python3 crash.py "$bin" "sqlite://$crash_dir/crash.db" "$crash_dir" 18477
pg_admin="${CONCENTRIC_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS concentric_crash" -c "CREATE DATABASE concentric_crash"
python3 crash.py "$bin" "${pg_admin%/*}/concentric_crash" "$crash_dir" 18478
psql -q "$pg_admin" -c "DROP DATABASE concentric_crash"
rm -rf "$crash_dir"

# Two nodes on one PostgreSQL behind a round-robin proxy, one killed mid-load.
echo "--- two nodes, one killed"
nodes_dir=$(mktemp -d)
psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS concentric_nodes" -c "CREATE DATABASE concentric_nodes"
python3 nodes.py "$bin" "${pg_admin%/*}/concentric_nodes" "$nodes_dir" 18480
psql -q "$pg_admin" -c "DROP DATABASE concentric_nodes WITH (FORCE)"
rm -rf "$nodes_dir"
