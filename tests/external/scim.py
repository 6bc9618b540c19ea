"""SCIM 2.0 conformance from outside: scim2-tester (RFC 7643/7644 checks, written by others)
against the running server, as a provisioning client with its own token. Every check must
pass: a skip fails the run too, as it would hide a feature the server stopped announcing."""

import sys

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

PASSING = {Status.SUCCESS, Status.COMPLIANT, Status.ACCEPTABLE}


def main() -> int:
    base, token = sys.argv[1], sys.argv[2]
    http = Client(base_url=f"{base}/scim/v2", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    client = SyncSCIMClient(http)
    results = check_server(client)
    failed = 0
    counts = {}
    for r in results:
        counts[r.status.name] = counts.get(r.status.name, 0) + 1
        where = f"{r.resource_type or '-'} {r.title}"
        if r.status in PASSING:
            continue
        failed += 1
        print(f"{r.status.name:8} {where}: {r.reason or r.description}")
        if r.data is not None:
            print(f"         data: {str(r.data)[:600]}")
    print(f"scim2-tester: {len(results)} checks, " + ", ".join(f"{n} {k.lower()}" for k, n in sorted(counts.items())))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
