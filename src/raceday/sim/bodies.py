"""Bodies as NZTAB sends them: compact UTF-8 JSON, the error envelope, the meeting-detail keys.

Bodies are encoded straight from the model's dicts by orjson (compact UTF-8, as NZTAB sends
them): the simulator shares the machine with the service it feeds, so its cost is the
benchmarks' too.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from raceday import fastjson

__all__ = [
    "EVENT_TITLE",
    "LIST_TITLE",
    "MEETINGS_TITLE",
    "MEETING_TITLE",
    "encode",
    "error_body",
    "meeting_detail",
    "reason_phrase",
]

JsonDict = dict[str, Any]

MEETINGS_TITLE = "Race Meetings"
MEETING_TITLE = "Get meeting by id"
LIST_TITLE = "List Races"
EVENT_TITLE = "Event Details: {id}"

_REASONS = {
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def encode(body: object) -> bytes:
    return fastjson.dumps(body)


def reason_phrase(status: int) -> str:
    return _REASONS.get(status, "Error")


def error_body(title: str, url: str, generated_time: str, status: int, message: str) -> JsonDict:
    """The OpenAPI main_ErrorResponse: a header with error and error_code, and nothing else."""
    return {
        "header": {
            "title": title,
            "generated_time": generated_time,
            "url": url,
            "error": message,
            "error_code": str(status),
        }
    }


def meeting_detail(meeting: JsonDict, day: date) -> JsonDict:
    """A meetings-list meeting dressed as GET /meetings/{id} sends it: the detail-only keys of
    meeting-detail.json added after the list keys (values synthetic, shapes real)."""
    country = str(meeting.get("country") or "")
    name = str(meeting.get("name") or "")
    mnemonic = "".join(ch for ch in name.upper() if ch.isalpha())[:4]
    sell_date = str(meeting.get("tote_raceday_date") or day.isoformat())
    return meeting | {
        "jetbet_club_name": "",
        "club_day": day.timetuple().tm_yday,
        "club_mnemonic": mnemonic,
        "jetbet_track_name": name,
        "sell_date": sell_date,
        "fob_mnemonic": "",
        "fob_sell_date": "",
        "fob_close_date": "",
        "fob_complete_date": "",
        "fob_club_day": 0,
        "meeting_date": sell_date,
        "track_mnemonic": mnemonic if country == "NZ" else "INTL",
        "is_fob_meeting": False,
        "meeting_type": "",
    }
