"""Errors of the NZTAB client and of the capture archive, each carrying where it happened.

RacedayError (raceday.errors)
├── NztabError      a request to NZTAB failed: method, URL, status, body excerpt, attempts
└── CaptureError    a capture archive holds a line that is not a capture record
"""

from __future__ import annotations

from pathlib import Path

from raceday.errors import RacedayError

__all__ = ["EXCERPT_CHARS", "CaptureError", "NztabError", "excerpt_of"]

# How much of a body an error shows: enough to recognise an error envelope or an HTML page.
EXCERPT_CHARS = 200


def excerpt_of(body: bytes | str) -> str:
    """The first EXCERPT_CHARS characters of `body`, decoded leniently, marked when cut."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    return text[:EXCERPT_CHARS] + ("…" if len(text) > EXCERPT_CHARS else "")


class NztabError(RacedayError):
    """A request to NZTAB failed for good (after its retries, or at once when not retryable).

    `status` is None when no response came (timeout, refused or dropped connection); `excerpt`
    is the start of the last body received ("" when none); `attempts` counts the requests sent.
    The message names them all: "GET https://…/racing/events/…: HTTP 503 after 5 attempts:
    body '{"header": …'".
    """

    def __init__(
        self,
        reason: str,
        *,
        method: str,
        url: str,
        status: int | None = None,
        excerpt: str = "",
        attempts: int = 1,
        hint: str | None = None,
    ) -> None:
        self.reason = reason
        self.method = method
        self.url = url
        self.status = status
        self.excerpt = excerpt
        self.attempts = attempts
        tries = f"after {attempts} attempt{'s' if attempts != 1 else ''}"
        shown = f": body {excerpt!r}" if excerpt else ": no body"
        status_text = f"HTTP {status}" if status is not None else "no response"
        super().__init__(
            f"{method} {url}: {status_text}, {reason}, {tries}{shown}",
            hint=hint,
        )


class CaptureError(RacedayError):
    """A complete line of a capture archive is not a capture record (`archive`, `line`)."""

    def __init__(self, reason: str, *, archive: Path, line: int | None = None) -> None:
        self.reason = reason
        self.archive = archive
        self.line = line
        where = f"{archive}#{line}" if line is not None else str(archive)
        super().__init__(
            f"{where}: {reason}",
            hint="the archive was changed or is not a raceday capture; restore it or leave it out",
        )
