"""Reads Concentric's calendar feeds with Python's icalendar, a parser independent of the Rust
library that writes them: one PRODID, events with UIDs under the installation's own host, and an
open meeting that was cancelled still listed with STATUS:CANCELLED and a higher SEQUENCE, as
calendar apps need to drop it."""
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
cancelled = call("POST", "/api/v1/meetings", {"team": "PAY", "title": "Feed check", "starts_at": "2099-01-05T10:00",
                                             "minutes": 30, "place": "Finance corner"})
call("POST", f"/api/v1/meetings/{cancelled['id']}/cancel", {"reason": "checked from outside"})
checked = 0
seen_cancelled = False
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
        kind = uid.split("-", 1)[0]
        assert kind in ("occurrence", "action", "meeting") and uid.endswith("@" + host), uid
        if kind == "action":
            continue
        assert e.get("DTSTART").dt.tzinfo is not None, "due times and meetings are instants"
        if kind == "occurrence":
            assert str(e.get("SUMMARY")).startswith("Due: ")
        else:
            assert str(e.get("STATUS")) in ("CONFIRMED", "CANCELLED") and int(e.get("SEQUENCE")) >= 0, uid
            if uid == f"meeting-{cancelled['id']}@{host}":
                assert str(e.get("STATUS")) == "CANCELLED" and int(e.get("SEQUENCE")) == 1, e.to_ical()
                seen_cancelled = True
    checked += len(events)
    call("DELETE", f"/api/v1/feeds/{feed['id']}")
assert checked > 0, "the demo has timesheets due to Payroll"
assert seen_cancelled, "the cancelled meeting stays in Payroll's feed"
print(f"feeds: {checked} events read by icalendar {icalendar.__version__}")
