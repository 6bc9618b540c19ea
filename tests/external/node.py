"""Shared by the outside tests: running the real binary and calling its API."""
import json
import socket
import subprocess
import time
import urllib.request


class Binary:
    """The concentric binary on one database."""

    def __init__(self, path, database_url, data_dir):
        self.path = path
        self.common = ["--data-dir", data_dir, "--database-url", database_url, "--log-level", "warn"]

    def cli(self, *args):
        return subprocess.run([self.path, *self.common, *args], check=True, capture_output=True, text=True).stdout.strip()

    def serve(self, port, *flags):
        """Starts a server and waits until it listens (it migrates first)."""
        server = subprocess.Popen(
            [self.path, *self.common, "--listen", f"127.0.0.1:{port}", "--metrics-listen", "off", *flags, "serve"],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return server
            except OSError:
                time.sleep(0.1)
        raise SystemExit("the server did not start")


def call(base, token, method, path, body=None):
    """One API call; answers (status, JSON)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, method=method, data=data)
    req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, json.loads(r.read() or b"null")
