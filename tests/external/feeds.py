"""Reads Concentric's calendar feeds with Python's icalendar, a parser independent of the Rust
library that writes them: one PRODID, events with UIDs under the installation's own host."""
import json
import sys
import urllib.request

import icalendar

base, token = sys.argv[1], sys.argv[2]


def call(method, path, body=None):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Authorization", f"Bearer {token}")
    if body is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req) as r:
        raw = r.read()
        return json.loads(raw) if raw else None


host = base.split("://", 1)[1].rstrip("/")
checked = 0
for body in ({}, {"team": "PAY"}):
    feed = call("POST", "/api/v1/feeds", body)
    with urllib.request.urlopen(feed["url"]) as r:
        text = r.read().decode()
    cal = icalendar.Calendar.from_ical(text)
    prodids = [line for line in text.splitlines() if line.startswith("PRODID")]
    assert len(prodids) == 1, prodids
    assert cal.get("VERSION") == "2.0"
    events = list(cal.walk("VEVENT"))
    for e in events:
        uid = str(e.get("UID"))
        assert uid.startswith("occurrence-") and uid.endswith("@" + host), uid
        assert e.get("DTSTART").dt.tzinfo is not None, "due times are instants"
        assert str(e.get("SUMMARY")).startswith("Due: ")
    checked += len(events)
    call("DELETE", f"/api/v1/feeds/{feed['id']}")
assert checked > 0, "the demo has timesheets due to Payroll"
print(f"feeds: {checked} events read by icalendar {icalendar.__version__}")
