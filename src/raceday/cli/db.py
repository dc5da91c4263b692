"""`raceday db …`: migrate the schema, show where it stands, and manage the embedded server."""

from __future__ import annotations

from typing import Annotated

import typer

from raceday import db
from raceday.cli import render
from raceday.cli.context import connection, open_database, settings_from
from raceday.cli.options import DatabaseUrlOption, JsonOption

app = typer.Typer(help="Migrate the schema and manage the database.", no_args_is_help=True)
server_app = typer.Typer(help="See or stop the embedded PostgreSQL server.", no_args_is_help=True)
app.add_typer(server_app, name="server")


@app.command()
def upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
    database_url: DatabaseUrlOption = None,
    json: JsonOption = False,
) -> None:
    """Upgrade the schema to REVISION (default: head). Safe to run concurrently; a no-op when current.

    Example: raceday db upgrade
    """
    database = open_database(settings_from(database_url))
    result = db.upgrade(database.url, revision)
    if json:
        render.emit_json(
            {
                "from": result.before,
                "to": result.after,
                "changed": result.changed,
                "steps": list(result.steps),
            }
        )
    elif not result.changed:
        render.out.print(f"schema already at {result.after or 'base'}; nothing to do")
    else:
        render.out.print(f"schema upgraded: {result.before or 'base'} -> {result.after}")


@app.command()
def downgrade(
    revision: Annotated[
        str, typer.Argument(help="Target revision, or 'base' to remove everything.")
    ],
    database_url: DatabaseUrlOption = None,
    json: JsonOption = False,
) -> None:
    """Downgrade the schema to REVISION ('base' drops every raceday table).

    Example: raceday db downgrade 0001_core_schema
    """
    database = open_database(settings_from(database_url))
    result = db.downgrade(database.url, revision)
    if json:
        render.emit_json(
            {
                "from": result.before,
                "to": result.after,
                "changed": result.changed,
                "steps": list(result.steps),
            }
        )
    else:
        render.out.print(
            f"schema downgraded: {result.before or 'base'} -> {result.after or 'base'}"
        )


@app.command()
def current(database_url: DatabaseUrlOption = None, json: JsonOption = False) -> None:
    """Print the schema revision of the database and whether it is at head.

    Example: raceday db current --json
    """
    with connection(settings_from(database_url)) as conn:
        state = db.schema_state(conn)
    at, head = state.current, state.head
    if json:
        render.emit_json(
            {"current": at, "head": head, "up_to_date": state.at_head, "standing": state.standing}
        )
    elif state.standing == "ahead":
        render.out.print(f"{at} (ahead of this raceday, whose newest revision is {head})")
    else:
        note = "(head)" if at == head else f"(head is {head}; run `raceday db upgrade`)"
        render.out.print(f"{at or 'base'} {note}")


@app.command()
def history(json: JsonOption = False) -> None:
    """List every schema revision, oldest first. Needs no database.

    Example: raceday db history
    """
    revisions = db.history()
    if json:
        render.emit_json(
            [
                {"revision": r.revision, "down_revision": r.down_revision, "doc": r.doc}
                for r in revisions
            ]
        )
        return
    render.table(
        "schema revisions",
        ["revision", "follows", "what it does"],
        [
            (r.revision, r.down_revision or "base", r.doc.splitlines()[0] if r.doc else "")
            for r in revisions
        ],
    )


@app.command()
def summary(database_url: DatabaseUrlOption = None, json: JsonOption = False) -> None:
    """Show the schema version and every table with its columns, rows and partitions.

    Example: raceday db summary
    """
    settings = settings_from(database_url)
    database = open_database(settings)
    with db.connect(database.url, application_name="raceday-cli") as conn:
        state = db.schema_state(conn)
        tables = db.table_summaries(conn)
    at, head = state.current, state.head
    if json:
        render.emit_json(
            {
                "database": database.description,
                "current": at,
                "head": head,
                "tables": [t.to_dict() for t in tables],
            }
        )
        return
    render.out.print(f"database: {database.description}")
    render.out.print(
        f"schema version: {at or 'base'}" + ("" if at == head else f" (head is {head})")
    )
    render.table(
        "tables",
        ["table", "columns", "rows", "partitions"],
        [
            (
                t.name,
                t.columns,
                f"~{t.rows}" if t.rows_estimated else t.rows,
                t.partitions if t.partitioned else "",
            )
            for t in tables
        ],
    )


@server_app.command("status")
def server_status(json: JsonOption = False) -> None:
    """Show whether the embedded PostgreSQL under RACEDAY_HOME runs, and where (exit 1 if not).

    Example: raceday db server status
    """
    settings = settings_from()
    server = db.find_embedded(settings.home)
    if json:
        render.emit_json(
            {
                "running": server is not None,
                "home": str(settings.home),
                "pgdata": str(server.pgdata) if server else None,
                "pid": server.pid if server else None,
                "uri": server.uri() if server else None,
            }
        )
    elif server is None:
        render.out.print(f"no embedded PostgreSQL runs under {settings.home}")
    else:
        render.out.print(f"embedded PostgreSQL running: pid {server.pid}, data {server.pgdata}")
        render.out.print(f"connect with: psql '{server.uri()}'")
    if server is None:
        raise typer.Exit(1)


@server_app.command("stop")
def server_stop() -> None:
    """Stop the embedded PostgreSQL under RACEDAY_HOME (raceday starts it again when needed).

    Example: raceday db server stop
    """
    settings = settings_from()
    stopped = db.stop_embedded(settings.home)
    render.out.print(
        f"stopped the embedded PostgreSQL (pid {stopped.pid})"
        if stopped
        else f"no embedded PostgreSQL runs under {settings.home}"
    )
