"""`raceday ingest PATH...`: NZTAB JSON files, capture archives or folders into the database, one
transaction per file (per record of an archive)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from raceday.cli import render
from raceday.cli.context import connection, settings_from
from raceday.cli.options import DatabaseUrlOption, JsonOption
from raceday.ingest import FileOutcome, Ingestor, IngestReport, discover_files, ingest_files
from raceday.nztab import CaptureRef

__all__ = ["ingest"]


def ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="NZTAB JSON files, capture archives (*.jsonl.gz, one per racing day), or "
            "folders searched recursively for both.",
            show_default=False,
        ),
    ],
    database_url: DatabaseUrlOption = None,
    json: JsonOption = False,
    backfill: Annotated[
        bool,
        typer.Option(
            "--backfill",
            help="Bulk mode for archives of many polls: history by COPY, 500 race events per "
            "transaction, then each race's newest state. Stores the same rows.",
        ),
    ] = False,
) -> None:
    """Validate NZTAB response bodies and store them: meetings lists, meeting details, races lists
    and race events (extras, futures and the OpenAPI spec are recognised and skipped).

    Files are applied meetings first, then races lists, then race events, each kind in
    header.generated_time order. Each file is one transaction: a bad file is reported with the
    reason and leaves no rows; the other files are still written. Replaying files is harmless.
    A capture archive is read as its records (named ARCHIVE#LINE): each body received with
    status 200 is ingested like a file; error responses and cut-short bodies are skipped.
    Exit status 1 when any file failed.

    Example: raceday ingest ../shared/nztab-samples

    Example: raceday ingest --backfill ~/.local/share/raceday/capture/2026-04-05.jsonl.gz
    """
    settings = settings_from(database_url)
    files = discover_files(paths)
    with connection(settings, application_name="raceday-ingest", needed_by="ingest") as conn:
        report = _run_with_progress(
            Ingestor(conn, settings),
            files,
            show=not json and render.out.is_terminal,
            backfill=backfill,
        )
    if json:
        render.emit_json(report.to_json())
    else:
        _print_report(report)
    if not report.ok:
        raise typer.Exit(1)


def _run_with_progress(
    ingestor: Ingestor, files: list[Path | CaptureRef], *, show: bool, backfill: bool
) -> IngestReport:
    if not show:
        return ingest_files(ingestor, files, backfill=backfill)
    columns = (
        TextColumn("ingesting"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[current]}"),
    )
    with Progress(*columns, console=render.out, transient=True) as progress:
        task = progress.add_task("ingest", total=len(files), current="")

        def advance(outcome: FileOutcome) -> None:
            progress.update(task, advance=1, current=outcome.path.name)

        return ingest_files(ingestor, files, progress=advance, backfill=backfill)


def _print_report(report: IngestReport) -> None:
    summary = report.to_json()
    render.out.print(
        f"{summary['files']} files: {summary['ok']} ingested, {summary['skipped_files']} skipped, "
        f"{summary['failed_files']} failed; {summary['races']} races in {summary['seconds']} s"
    )
    rows = report.rows()
    if rows:
        render.table("Rows written (inserted or changed)", ["table", "rows"], sorted(rows.items()))
    else:
        render.out.print(_nothing_written(summary))
    skipped = report.skipped()
    if skipped:
        render.table("Not stored", ["what", "count"], sorted(skipped.items()))
    for outcome in report.failed:
        render.error(outcome.reason or f"{outcome.path}: failed")


def _nothing_written(summary: dict[str, int]) -> str:
    """Why no row changed, in words true for this run."""
    files, ok, failed = summary["files"], summary["ok"], summary["failed_files"]
    if files == 0:
        return "No rows changed: no NZTAB JSON files were found."
    if ok == 0 and failed == files:
        return f"Nothing was stored: all {files} file(s) failed (reasons below)."
    if ok == 0:
        return "Nothing was stored: no file held data raceday stores (see what was skipped)."
    if failed:
        return (
            f"No rows changed: the {ok} file(s) that loaded were already stored; "
            f"{failed} failed (reasons below)."
        )
    return "No rows changed (everything was already stored)."
