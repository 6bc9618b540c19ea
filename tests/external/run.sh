#!/usr/bin/env bash
# Checks from outside against the real binary and the demo organisation: schemathesis's
# generated calls from the OpenAPI document with tokens of three roles (every check on), and the
# calendar feeds read by a second, independent iCalendar parser. Installs what it needs.
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
