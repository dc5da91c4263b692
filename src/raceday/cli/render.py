"""Everything the CLI prints: tables and messages for people, JSON for machines."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

__all__ = ["emit_json", "error", "info", "out", "table"]

# Off a terminal (pipes, CI logs) rich would squeeze tables into 80 columns; give them room.
_WIDTH = None if sys.stdout.isatty() else 200
out = Console(highlight=False, soft_wrap=True, width=_WIDTH)
_err = Console(
    stderr=True, highlight=False, soft_wrap=True, width=None if sys.stderr.isatty() else 200
)


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return str(value)


def emit_json(document: Any) -> None:
    """Write one JSON document to stdout (no rich markup, stable key order)."""
    sys.stdout.write(json.dumps(document, default=_default, indent=2, sort_keys=False) + "\n")
    sys.stdout.flush()


def info(message: str) -> None:
    """A note for the person at the terminal; goes to stderr so stdout stays clean for pipes."""
    _err.print(message)


def error(message: str, hint: str | None = None) -> None:
    _err.print(f"[bold red]error:[/] {message}", markup=True)
    if hint:
        _err.print(f"[dim]hint:[/] {hint}", markup=True)


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    grid = Table(title=title, title_justify="left")
    for column in columns:
        grid.add_column(column)
    for row in rows:
        grid.add_row(*("" if cell is None else str(cell) for cell in row))
    out.print(grid)
