"""Page tokens like NZTAB's: base64url JSON without padding, tied to the query they page.

A real token reads {"page_number":2,"page_request_hash":"2zgns3x4umqay"}. The hash names the
query (every parameter but the token itself), so a token replayed with another query is refused
instead of silently paging a different listing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["PageToken", "decode_token", "encode_token", "page_of", "request_hash"]

T = TypeVar("T")

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_HASH_LENGTH = 13  # as long as the samples' "2zgns3x4umqay"


@dataclass(frozen=True)
class PageToken:
    page_number: int
    page_request_hash: str


def encode_token(token: PageToken) -> str:
    text = json.dumps(
        {"page_number": token.page_number, "page_request_hash": token.page_request_hash},
        separators=(",", ":"),
    )
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def decode_token(text: str) -> PageToken:
    """The token in `text`; ValueError saying what is wrong with it."""
    padded = text + "=" * (-len(text) % 4)
    try:
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (binascii.Error, ValueError, UnicodeError):
        raise ValueError("not a page token (base64url JSON)") from None
    if not isinstance(decoded, dict):
        raise ValueError("not a page token (base64url JSON object)")
    number, hashed = decoded.get("page_number"), decoded.get("page_request_hash")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise ValueError("page_number must be a positive integer")
    if not isinstance(hashed, str):
        raise ValueError("page_request_hash must be a string")
    return PageToken(number, hashed)


def request_hash(items: Iterable[tuple[str, str]]) -> str:
    """A short name of a query: base36 of a digest of its sorted parameters, page_token left out."""
    kept = sorted((k, v) for k, v in items if k != "page_token")
    digest = hashlib.sha256(json.dumps(kept, separators=(",", ":")).encode()).digest()
    number = int.from_bytes(digest[:9], "big")
    letters = []
    for _ in range(_HASH_LENGTH):
        number, rest = divmod(number, 36)
        letters.append(_ALPHABET[rest])
    return "".join(letters)


def page_of(items: Sequence[T], start: int, limit: int) -> tuple[Sequence[T], bool]:
    """items[start:start+limit] and whether anything follows it."""
    return items[start : start + limit], start + limit < len(items)
