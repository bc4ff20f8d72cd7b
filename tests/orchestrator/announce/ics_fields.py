"""Reads an iCalendar file with the python3-icalendar library and prints, as one JSON object, the
fields the invite tests check. Run with the system's python3 (the Debian package's module lives
there), as: python3 ics_fields.py FILE.ics

Exit 0: parsed; the JSON is on stdout.
Exit 77: the icalendar module is not installed; the reason is on stdout.
Any other exit: the file could not be parsed; the error is on stderr.
"""

import json
import sys
from datetime import datetime, timezone

try:
    import icalendar
except ImportError as e:
    print(f"the icalendar module is missing ({e}); install python3-icalendar")
    sys.exit(77)


def utc_instant(component, name):
    """The property as "YYYY-MM-DDTHH:MM:SSZ", or a note saying why it is not a UTC instant."""
    value = component.decoded(name)
    if not isinstance(value, datetime):
        return f"not a date-time: {value!r}"
    if value.tzinfo is None or value.utcoffset() is None:
        return f"floating time: {value.isoformat()}"
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def address(prop):
    return {"uri": str(prop), **{k.lower(): str(v) for k, v in prop.params.items()}}


def main(path):
    with open(path, "rb") as f:
        cal = icalendar.Calendar.from_ical(f.read())
    events = cal.walk("VEVENT")
    out = {
        "component": cal.name,
        "version": str(cal.get("VERSION", "")),
        "prodid": str(cal.get("PRODID", "")),
        "method": str(cal.get("METHOD", "")),
        "events": len(events),
        "errors": [f"{c.name}: {e}" for c in cal.walk() for e in c.errors],
    }
    if events:
        ev = events[0]
        attendees = ev.get("ATTENDEE", [])
        if not isinstance(attendees, list):
            attendees = [attendees]
        out.update({
            "uid": str(ev.get("UID", "")),
            "summary": str(ev.get("SUMMARY", "")),
            "description": str(ev.get("DESCRIPTION", "")),
            "status": str(ev.get("STATUS", "")),
            "sequence": ev.decoded("SEQUENCE") if "SEQUENCE" in ev else -1,
            "dtstamp": utc_instant(ev, "DTSTAMP"),
            "dtstart": utc_instant(ev, "DTSTART"),
            "dtend": utc_instant(ev, "DTEND"),
            "organizer": address(ev["ORGANIZER"]) if "ORGANIZER" in ev else None,
            "attendees": [address(a) for a in attendees],
        })
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main(sys.argv[1])
