"""Crash safety: concurrent creates against the real binary, SIGKILL at a random moment,
restart, and every acknowledged request must be there, intact. Three kills per run.

usage: crash.py BINARY DATABASE_URL DATA_DIR PORT
"""
import json
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

binary, database_url, data_dir, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
base = f"http://127.0.0.1:{port}"
common = ["--data-dir", data_dir, "--database-url", database_url, "--log-level", "warn"]


def start():
    server = subprocess.Popen(
        [binary, *common, "--listen", f"127.0.0.1:{port}", "--metrics-listen", "off", "serve"],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def cli(*args):
    return subprocess.run([binary, *common, *args], check=True, capture_output=True, text=True).stdout.strip()


def call(token, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, method=method, data=data)
    req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, json.loads(r.read() or b"null")


cli("migrate")
cli("user", "create", "--email", "crash@example.com", "--name", "Crash Tester", "--admin")
token = cli("token", "create", "--email", "crash@example.com", "--name", "crash")
server = start()
call(token, "POST", "/api/v1/teams", {"key": "CRASH", "name": "Crash test"})
call(token, "POST", "/api/v1/teams/CRASH/services", {"slug": "ask", "name": "Ask anything"})

acknowledged = {}  # key -> subject
lock = threading.Lock()
rng = random.Random(20261201)
total_sent = 0

for round_no in range(3):
    stop = threading.Event()

    def writer(worker):
        global total_sent
        n = 0
        while not stop.is_set():
            subject = f"round {round_no} worker {worker} number {n}"
            n += 1
            try:
                status, body = call(token, "POST", "/api/v1/teams/CRASH/services/ask/requests",
                                    {"subject": subject, "description": subject * 3})
            except (urllib.error.URLError, ConnectionError, OSError):
                continue  # not acknowledged: the server died under it
            with lock:
                total_sent += 1
                if status == 201:
                    acknowledged[body["key"]] = subject

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    time.sleep(rng.uniform(1.0, 4.0))
    server.send_signal(signal.SIGKILL)
    server.wait()
    stop.set()
    for t in threads:
        t.join()
    server = start()

lost, changed = [], []
for key, subject in sorted(acknowledged.items()):
    try:
        _, request = call(token, "GET", f"/api/v1/requests/{key}")
    except urllib.error.HTTPError as e:
        lost.append((key, e.code))
        continue
    if request["subject"] != subject or request["description"] != subject * 3:
        changed.append(key)
server.terminate()
server.wait()
print(f"crash ({database_url.split(':')[0]}): {len(acknowledged)} acknowledged of {total_sent} answered over 3 kills; "
      f"{len(lost)} lost, {len(changed)} changed")
if lost or changed or len(acknowledged) < 100:
    raise SystemExit(f"lost {lost[:10]}, changed {changed[:10]}")
