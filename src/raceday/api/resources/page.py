"""raceday's own page: "/" serves static/index.html, "/static/..." its script, styles and the
vendored chart library (uPlot). Plain files, no build step, nothing loaded from another origin
(the app's CSP allows only 'self'); the page reads the dashboard API from the browser.

The page is re-checked on every load (no-cache) so a new release shows at once; the vendored
library, whose file never changes within a version, may be cached for a day.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from raceday.api.errors import NotFound

__all__ = ["STATIC_DIR", "router"]

router = APIRouter(tags=["page"], include_in_schema=False)

STATIC_DIR = (Path(__file__).resolve().parent.parent / "static").resolve()

_VENDOR_MAX_AGE_S = 86_400
# Set here rather than trusting the host's mime table (some map .js to text/plain, which the
# browser refuses to run as a module under nosniff).
_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}


@router.api_route("/", methods=["GET", "HEAD"])
async def index() -> FileResponse:
    return _file_response(STATIC_DIR / "index.html", cache="no-cache")


@router.api_route("/static/{path:path}", methods=["GET", "HEAD"])
async def static_file(path: str) -> FileResponse:
    file = _static_path(path)
    vendored = file.relative_to(STATIC_DIR).parts[0] == "vendor"
    cache = f"public, max-age={_VENDOR_MAX_AGE_S}" if vendored else "no-cache"
    return _file_response(file, cache=cache)


def _static_path(path: str) -> Path:
    """The file `path` names inside STATIC_DIR; a 404 for anything else (a missing file, a
    folder, a hidden file, or a path that climbs out with .. or a symlink)."""
    candidate = (STATIC_DIR / path).resolve()
    inside = candidate.is_relative_to(STATIC_DIR) and candidate != STATIC_DIR
    hidden = any(part.startswith(".") for part in Path(path).parts)
    if not inside or hidden or not candidate.is_file():
        raise NotFound(f"no page file {path!r}")
    return candidate


def _file_response(file: Path, *, cache: str) -> FileResponse:
    media_type = _CONTENT_TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0]
    return FileResponse(
        file,
        media_type=media_type or "application/octet-stream",
        headers={"Cache-Control": cache},
    )
