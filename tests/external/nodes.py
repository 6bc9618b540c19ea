"""Two nodes on one PostgreSQL behind a small round-robin proxy: load on both, one killed with
SIGKILL mid-load. No acknowledged write may be lost, a web session keeps working on the other
node, and every job effect (at-risk warnings, escalations) happens exactly once.

usage: nodes.py BINARY DATABASE_URL DATA_DIR BASE_PORT
"""
import asyncio
import http.cookiejar
import os
import re
import signal
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from node import Binary, call as node_call

binary, database_url, data_dir, base_port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
proxy_port, ports = base_port, [base_port + 1, base_port + 2]
base = f"http://127.0.0.1:{proxy_port}"
binary_at = Binary(binary, database_url, data_dir)
cli = binary_at.cli


def start(port):
    return binary_at.serve(port, "--job-poll-seconds", "1", "--public-url", base)


# --- the proxy: round robin over the nodes that accept a connection ---------------------------
turn = 0


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def handle(client_reader, client_writer):
    global turn
    for attempt in range(len(ports)):
        port = ports[(turn + attempt) % len(ports)]
        try:
            node_reader, node_writer = await asyncio.open_connection("127.0.0.1", port)
            break
        except OSError:
            continue
    else:
        client_writer.close()
        return
    turn += 1
    await asyncio.gather(pipe(client_reader, node_writer), pipe(node_reader, client_writer))


def run_proxy():
    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", proxy_port)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


threading.Thread(target=run_proxy, daemon=True).start()


def call(token, method, path, body=None):
    return node_call(base, token, method, path, body)


os.environ["NODES_PASSWORD"] = "nodes-password-1"
cli("migrate")
cli("user", "create", "--email", "nodes@example.com", "--name", "Node Tester", "--admin", "--password-env", "NODES_PASSWORD")
token = cli("token", "create", "--email", "nodes@example.com", "--name", "nodes")
nodes = [start(p) for p in ports]
call(token, "POST", "/api/v1/teams", {"key": "NODE", "name": "Round the clock"})
call(token, "PUT", "/api/v1/teams/NODE/members/1", {"role": "lead"})
every_day = {d: ["00:00-24:00"] for d in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}
call(token, "PUT", "/api/v1/teams/NODE/calendar", {"zone": "UTC", "week": every_day})
call(token, "POST", "/api/v1/teams/NODE/services", {"slug": "ask", "name": "Ask anything"})
# At risk almost at once (both nodes run those jobs while the load runs), breached after a minute.
call(token, "PUT", "/api/v1/teams/NODE/services/ask/targets",
     {"targets": {"P3": {"first_response": "1m", "resolution": "1m"}}, "at_risk_percent": 1})

# A web session, through the proxy.
jar = http.cookiejar.CookieJar()
browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
login_page = browser.open(base + "/login").read().decode()
csrf = re.search(r'name="csrf" value="([^"]+)"', login_page).group(1)
form = urllib.parse.urlencode({"csrf": csrf, "email": "nodes@example.com", "password": "nodes-password-1", "next": "/"})
browser.open(base + "/login", data=form.encode())
assert any(c.name == "concentric_session" for c in jar), "signed in"

acknowledged, lock, stop = {}, threading.Lock(), threading.Event()


def writer(worker):
    n = 0
    while not stop.is_set():
        subject = f"worker {worker} number {n}"
        n += 1
        try:
            status, body = call(token, "POST", "/api/v1/teams/NODE/services/ask/requests", {"subject": subject})
        except (urllib.error.URLError, ConnectionError, OSError):
            continue
        if status == 201:
            with lock:
                acknowledged[body["key"]] = subject
        time.sleep(0.02)


threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
for t in threads:
    t.start()
time.sleep(3)
nodes[0].send_signal(signal.SIGKILL)
nodes[0].wait()
time.sleep(4)
stop.set()
for t in threads:
    t.join()

# The session lives in the database: the other node knows it.
page = browser.open(base + "/requests")
assert page.status == 200 and "/login" not in page.geturl(), page.geturl()

lost = []
for key, subject in acknowledged.items():
    try:
        _, request = call(token, "GET", f"/api/v1/requests/{key}")
        if request["subject"] != subject:
            lost.append(key)
    except urllib.error.HTTPError:
        lost.append(key)
assert not lost, f"lost {lost[:10]}"

# Every at-risk warning and escalation exactly once: two of each per request (first response
# and resolution), whichever node ran the job and whatever the killed one left half done.
deadline = time.time() + 180
while True:
    counts = {}
    for key in acknowledged:
        _, events = call(token, "GET", f"/api/v1/requests/{key}/events?limit=200")
        actions = [e["action"] for e in events["items"]]
        counts[key] = (actions.count("target_at_risk"), actions.count("escalated"))
    twice = {k: c for k, c in counts.items() if c[0] > 2 or c[1] > 2}
    assert not twice, f"more than once: {list(twice.items())[:5]}"
    done = all(c == (2, 2) for c in counts.values())
    if done or time.time() > deadline:
        break
    time.sleep(5)
missing = {k: c for k, c in counts.items() if c != (2, 2)}
nodes[1].terminate()
nodes[1].wait()
print(f"nodes: {len(acknowledged)} acknowledged through two nodes, one killed mid-load: 0 lost; "
      f"the session moved over; {len(counts) * 4 - len(missing)} of {len(counts) * 4} job effects exactly once")
assert not missing, f"job effects missing: {list(missing.items())[:5]}"
