"""Crash safety: concurrent creates against the real binary, SIGKILL at a random moment,
restart, and every acknowledged request must be there, intact. Three kills per run.

usage: crash.py BINARY DATABASE_URL DATA_DIR PORT
"""
import random
import signal
import sys
import threading
import time
import urllib.error

from node import Binary, call as node_call

binary, database_url, data_dir, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
base = f"http://127.0.0.1:{port}"
binary_at = Binary(binary, database_url, data_dir)
cli = binary_at.cli


def start():
    return binary_at.serve(port)


def call(token, method, path, body=None):
    return node_call(base, token, method, path, body)


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
