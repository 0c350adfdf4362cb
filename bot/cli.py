"""The ``pulse`` command."""

from __future__ import annotations

import atexit
import dataclasses
import gc
import json
import logging
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot.bootstrap import Container, bootstrap
from bot.core.errors import PulseError
from bot.services.reporting import orbit_summary

if TYPE_CHECKING:
    from bot.adapters.slack.importing import ImportReport
    from bot.core.surveys import SurveyOverview

#: Report formats (as bot.render.FORMATS, which a test holds equal): importing bot.render loads
#: matplotlib, which only the commands that draw should pay for.
FORMATS = ("table", "json", "md", "html", "png")
#: Weekly snapshots the demo keeps before today's, for the pictures of movement over time.
DEMO_WEEKS = 8

app = typer.Typer(
    help="Community Pulse: love, reach and the orbit map of your platform community.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")

out = Console()
err = Console(stderr=True)
log = logging.getLogger("bot.cli")


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False, markup=True, soft_wrap=True)
    return typer.Exit(code)


def _container() -> Container:
    try:
        return bootstrap()
    except PulseError as exc:
        raise _fail(str(exc), 2) from None


def _as_of(value: str) -> date | None:
    if value == "latest":
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD or 'latest'") from None


@app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="Slack export: the .zip file or its folder")],
    jobs: Annotated[
        int | None, typer.Option(help="worker processes (default: all cores for big exports)")
    ] = None,
) -> None:
    """Import a Slack workspace export. Re-importing the same export adds nothing."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from bot.adapters.slack.importing import import_export

    container = _container()
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("importing day files", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            report = import_export(
                container.engine,
                path.expanduser(),
                store_text=container.settings.store_text,
                jobs=jobs,
                progress=progress,
            )
        except PulseError as exc:
            raise _fail(
                f"{exc}\nNothing was stored; fix the problem and run the import again."
            ) from None
    out.print(import_table(report))


def import_table(report: ImportReport) -> Table:
    table = Table(title=f"Imported {report.source} in {report.seconds:.1f} s", show_lines=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("members in users.json", f"{report.members:,}")
    table.add_row("channels", f"{report.channels:,}")
    if report.unlisted_channels:
        names = ", ".join(report.unlisted_channels[:5])
        table.add_row(
            f"  of which not in channels.json ({names})", f"{len(report.unlisted_channels):,}"
        )
    table.add_row("day files read", f"{report.files:,}")
    table.add_row("messages read", f"{report.messages:,}")
    for kind, count in sorted(report.found.items()):
        table.add_row(f"  {kind} activities", f"{count:,}")
    table.add_row("[bold]new activities stored[/]", f"[bold]{report.new:,}[/]")
    table.add_row("already stored (skipped)", f"{report.already_stored:,}")
    for reason, count in sorted(report.skipped.items(), key=lambda kv: (-kv[1], kv[0])):
        table.add_row(f"skipped: {reason}", f"{count:,}", style="dim")
    return table


def _pictures_data(container: Container, as_of: date) -> dict[str, Any]:
    """What the community report's pictures need beyond the summary: quadrant counts over the
    kept snapshots, and where members stood in the previous one (for the orbit map's arrows)."""
    from datetime import timedelta

    from bot.core.digest import history_points
    from storage import snapshots

    with container.engine.connect() as conn:
        history = snapshots.history(conn, as_of, as_of - timedelta(days=180))
        before = snapshots.positions(conn, as_of)
    return {
        "history": history_points(history),
        "previous": before[1] if before else None,
        "previous_as_of": before[0] if before else None,
    }


def _survey_overview(container: Container, as_of: date) -> SurveyOverview:
    """The surveys section of the community report (runs closed in the 90 days to ``as_of``).
    Without any survey run the question sets are not even loaded (a report stays fast)."""
    from bot.bootstrap import survey_service
    from bot.core.surveys import build_overview
    from storage.surveys import any_runs

    with container.engine.connect() as conn:
        if not any_runs(conn):
            return build_overview([], container.settings.min_respondents)
    return survey_service(container, recorder=None).overview(as_of)


@app.command()
def report(
    as_of: Annotated[str, typer.Option(help="YYYY-MM-DD, or 'latest' activity day")] = "latest",
    channel: Annotated[str | None, typer.Option(help="only this channel")] = None,
    fmt: Annotated[
        list[str] | None,
        typer.Option("--format", "-f", help=f"one of {', '.join(FORMATS)}; repeatable"),
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="folder for report.{json,md,html,png}")
    ] = None,
    snapshot: Annotated[
        bool,
        typer.Option(help="keep this run as a snapshot: later reports show movement since it"),
    ] = False,
) -> None:
    """Print the orbit summary and write it as JSON, Markdown, HTML or PNG."""
    formats = fmt or ["table"]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise typer.BadParameter(
            f"unknown format {unknown[0]!r}; use one of {', '.join(FORMATS)}", param_hint="--format"
        )
    when = _as_of(as_of)
    container = _container()
    try:
        summary = orbit_summary(
            container.engine,
            container.scoring,
            container.team,
            as_of=when,
            channel=channel,
            keep_snapshot=snapshot,
        )
        surveys = None if channel else _survey_overview(container, summary.as_of)
    except PulseError as exc:
        raise _fail(str(exc)) from None
    if "table" in formats:
        from bot.render.terminal import print_summary

        print_summary(summary, out, surveys=surveys)
    files = [f for f in formats if f != "table"]
    if out_dir is None and files:
        if files in (["json"], ["md"]):  # one text format and no --out: standard output
            if files[0] == "json":
                data = summary.to_json()
                if surveys is not None:
                    from bot.render.surveys import overview_json

                    data["surveys"] = overview_json(surveys)
                text = json.dumps(data, separators=(",", ":"))
            else:
                from bot.render.markdown import render_markdown

                text = render_markdown(summary, surveys=surveys)
            sys.stdout.write(text + "\n")
            return
        out_dir = Path("out")
    if out_dir is not None and files:
        from bot.render import write_reports

        extra = {} if channel else _pictures_data(container, summary.as_of)
        for written in write_reports(summary, out_dir, files, surveys=surveys, **extra):
            err.print(f"wrote {written}")


def _load_demo(container: Container, profile: Any, end: date) -> ImportReport:
    """Generate the synthetic community as a Slack export and import it (replacing an earlier
    demo: same seed, same workspace)."""
    from bot.adapters.slack.importing import clear_channels, import_export
    from bot.demo.generator import generate_export

    with tempfile.TemporaryDirectory(prefix="pulse-demo-") as tmp:
        export = Path(tmp) / "export"
        stats = generate_export(
            export, profile, end=end, platform_channel=container.settings.platform_channel
        )
        err.print(
            f"generated a synthetic community: {stats.users} people, {stats.channels} channels, "
            f"{stats.messages:,} messages, {stats.replies:,} replies, {stats.reactions:,} reactions"
        )
        try:
            clear_channels(container.engine, export)
            return import_export(container.engine, export)
        except PulseError as exc:
            raise _fail(str(exc)) from None


@app.command()
def console(
    as_member: Annotated[
        str | None, typer.Option("--as", help="the member you act as (name or id)")
    ] = None,
    channel: Annotated[str | None, typer.Option(help="the channel you start in")] = None,
) -> None:
    """A local chat in the terminal with the bot: post, react, answer surveys, run /orbit.
    Uses the database's community; with an empty database, the demo community first."""
    from bot.adapters.console.session import ConsoleSession, run_console
    from bot.bootstrap import digest_service, survey_service
    from bot.demo.generator import DEMO
    from bot.services.live import Recorder
    from bot.services.orbit import OrbitService
    from storage.sql import MEMBER

    container = _container()
    with container.engine.connect() as conn:
        empty = conn.execute(select(MEMBER.c.id).limit(1)).first() is None
    if empty:
        err.print("The database is empty: loading the demo community first.")
        _load_demo(container, DEMO, date.today())
    recorder = Recorder(container.engine, store_text=container.settings.store_text)
    try:
        surveys = survey_service(container, recorder)
    except PulseError as exc:
        raise _fail(str(exc), 2) from None
    digest = digest_service(container, surveys)
    orbit = OrbitService(
        container.engine,
        container.scoring,
        container.team,
        surveys=surveys,
        digest=digest,
        experiments=digest.experiments,
    )
    # The chat is the output here: what the services log at INFO would interleave with it.
    logging.getLogger("bot.services").setLevel(logging.WARNING)
    session = ConsoleSession(recorder, orbit, surveys, digest)
    for command, value in (("/as", as_member), ("/channel", channel)):
        if value:
            for line in session.handle(f"{command} {value}"):
                err.print(line)
    run_console(session)


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="folder for the report files")] = Path(
        "out"
    ),
    seed: Annotated[int, typer.Option(help="random seed of the synthetic community")] = 7,
) -> None:
    """Generate a synthetic community, import it and report it: no accounts needed."""
    from bot.demo.generator import DEMO
    from bot.render import print_summary, write_reports

    container = _container()
    end = date.today()
    profile = dataclasses.replace(DEMO, seed=seed)
    result = _load_demo(container, profile, end)
    out.print(import_table(result))
    from bot.bootstrap import survey_service
    from bot.demo.generator import member_personas
    from bot.demo.surveys import seed_surveys

    surveys = survey_service(container, recorder=None)
    runs = seed_surveys(surveys, member_personas(profile), end, seed)
    err.print(f"answered and closed {runs} survey runs in #general")
    # Weekly snapshots of the last two months, as weekly digests would have kept them: the
    # quadrant counts over time and the orbit map's arrows (movement since last week).
    from datetime import timedelta

    from storage.snapshots import delete_all

    with container.engine.begin() as conn:
        delete_all(conn)  # the previous demo's snapshots
    for weeks in range(DEMO_WEEKS, 0, -1):
        orbit_summary(
            container.engine,
            container.scoring,
            container.team,
            as_of=end - timedelta(weeks=weeks),
            keep_snapshot=True,
        )
    summary = orbit_summary(
        container.engine, container.scoring, container.team, as_of=end, keep_snapshot=True
    )
    extra = _pictures_data(container, end)
    overview = surveys.overview(as_of=end)
    print_summary(summary, out, surveys=overview)
    formats = ["json", "md", "html", "png"]
    for written in write_reports(summary, out_dir, formats, surveys=overview, **extra):
        err.print(f"wrote {written}")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations (also done automatically on every start)."""
    from storage.migrate import current_revision

    container = _container()
    out.print(f"database at revision {current_revision(container.engine)}")


@app.command()
def run(
    http: Annotated[bool, typer.Option("--http", help="serve HTTP instead of Socket Mode")] = False,
    port: Annotated[int, typer.Option(help="HTTP port (with --http, or Teams)")] = 3000,
    host: Annotated[str, typer.Option(help="HTTP address (with --http, or Teams)")] = "0.0.0.0",
    platform: Annotated[
        str, typer.Option(help="slack, or teams (serves /api/messages; always HTTP)")
    ] = "slack",
) -> None:
    """Run the bot. Slack: Socket Mode (SLACK_BOT_TOKEN + SLACK_APP_TOKEN) or, with --http,
    /slack/events and /healthz (SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET). Teams
    (--platform teams): /api/messages and /healthz (TEAMS_APP_ID + TEAMS_APP_PASSWORD)."""
    gc.enable()  # a long-running process: see bot/entry.py
    if platform not in ("slack", "teams"):
        raise typer.BadParameter("use slack or teams", param_hint="--platform")
    if platform == "teams":
        _run_teams(host, port)
        return
    from bot.bootstrap import slack

    container = _container()
    try:
        runtime = slack(container, http=http)
    except PulseError as exc:
        raise _fail(str(exc), 2) from None
    runtime.scheduler.start()  # surveys, reminders, closes and retention
    atexit.register(runtime.scheduler.shutdown)
    if http:
        import waitress

        from bot.adapters.slack.app import wsgi_app

        err.print(f"serving /slack/events and /healthz on http://{host}:{port}")
        waitress.serve(wsgi_app(runtime.app, container.engine), host=host, port=port, threads=8)
    else:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        err.print("connecting to Slack in Socket Mode")
        SocketModeHandler(runtime.app, runtime.app_token).start()  # type: ignore[no-untyped-call]


def _run_teams(host: str, port: int) -> None:
    from bot.adapters.teams.app import teams_runtime

    container = _container()
    try:
        runtime = teams_runtime(container)
    except PulseError as exc:
        raise _fail(str(exc), 2) from None
    runtime.scheduler.start()  # surveys, reminders, closes, the digest and retention
    atexit.register(runtime.scheduler.shutdown)
    err.print(f"serving /api/messages and /healthz on http://{host}:{port}")
    runtime.serve(host=host, port=port)  # until SIGINT/SIGTERM; finishes queued work


@app.command()
def health() -> None:
    """Exit 0 when the database is reachable and its schema is current (container health)."""
    from storage.migrate import current_revision, head_revision

    try:
        container = bootstrap(migrate=False)
        current = current_revision(container.engine)
    except PulseError as exc:
        raise _fail(str(exc)) from None
    except SQLAlchemyError as exc:
        raise _fail(f"database unreachable: {exc}") from None
    head = head_revision(container.engine)
    if current != head:
        raise _fail(f"database schema at {current}, expected {head}: run 'pulse db upgrade'")
    out.print("ok")


def main() -> None:
    """Entry point (see bot/entry.py, which also switches the garbage collector off)."""
    try:
        app()
    except PulseError as exc:  # a domain error that escaped a command: still no traceback
        err.print(f"[bold red]error:[/] {exc}")
        raise SystemExit(1) from None
