"""Options shared by every command, declared once."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["DatabaseUrlOption", "JsonOption"]

DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="DATABASE_URL",
        show_envvar=True,
        help="PostgreSQL URL. Unset: use (or start) the embedded PostgreSQL under RACEDAY_HOME.",
    ),
]

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document for machines.")]
