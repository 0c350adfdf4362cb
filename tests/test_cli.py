"""The ``pulse`` command end to end on SQLite: what a user types and what they get back."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.demo.generator import CommunityProfile, generate_export, zip_export
from storage.migrate import HEAD

END = date(2026, 6, 30)
SMALL = CommunityProfile(members=40, channels=2, days=40, messages=600)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    for name in ("PULSE_SCORING_FILE", "PULSE_ADMINS", "PULSE_PLATFORM_CHANNEL"):
        monkeypatch.delenv(name, raising=False)
    return {"DATABASE_URL": f"sqlite:///{tmp_path}/pulse.db", "COLUMNS": "160"}


@pytest.fixture
def export(tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    generate_export(folder, SMALL, end=END)
    return folder


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_demo_writes_every_report_file_with_a_real_orbit(
    env: dict[str, str], tmp_path: Path
) -> None:
    code, out, err = run(env, "demo", "--out", str(tmp_path / "out"))
    assert code == 0, err
    assert "Multipliers" in out or "multiplier" in out
    files = {p.name for p in (tmp_path / "out").iterdir()}
    assert files == {
        "report.json",
        "report.md",
        "report.html",
        "report.png",
        "quadrants.png",  # nine weekly snapshots
        "maturity.png",  # and the survey runs the demo answered
        "culture.png",
        "journey.png",
    }
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["counts"]["multiplier"] > 0
    assert report["counts"]["silent"] > 0
    assert report["team"], "the demo has a platform team"
    assert not set(report["team"]) & {m["id"] for m in report["members"]}
    assert (tmp_path / "out" / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_import_then_reimport_adds_nothing(
    env: dict[str, str], export: Path, tmp_path: Path
) -> None:
    code, out, err = run(env, "import", str(export))
    assert code == 0, err
    assert "new activities stored" in out
    zipped = tmp_path / "export.zip"
    zip_export(export, zipped)
    code, out, err = run(env, "import", str(zipped))
    assert code == 0, err
    new_line = next(line for line in out.splitlines() if "new activities stored" in line)
    assert new_line.split()[-2] == "0"


def test_report_json_has_the_documented_shape(env: dict[str, str], export: Path) -> None:
    assert run(env, "import", str(export))[0] == 0
    code, out, err = run(env, "report", "--as-of", END.isoformat(), "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert set(report) >= {"as_of", "window_days", "thresholds", "counts", "members", "team"}
    assert report["as_of"] == END.isoformat()
    assert set(report["thresholds"]) == {"love", "reach"}
    assert set(report["counts"]) == {"multiplier", "fan", "sceptic", "observer", "silent"}
    member = report["members"][0]
    assert set(member) == {"id", "name", "love", "reach", "quadrant", "sentiment"}
    counted = sum(report["counts"][q] for q in ("multiplier", "fan", "sceptic", "observer"))
    assert counted == len(report["members"])


def test_report_for_one_channel_and_files(
    env: dict[str, str], export: Path, tmp_path: Path
) -> None:
    assert run(env, "import", str(export))[0] == 0
    channels = json.loads((export / "channels.json").read_text())
    name = next(c["name"] for c in channels if c["name"] != "platform-team")
    out_dir = tmp_path / "files"
    code, _out, err = run(
        env,
        "report",
        "--channel",
        name,
        "--format",
        "md",
        "--format",
        "html",
        "--out",
        str(out_dir),
    )
    assert code == 0, err
    assert {p.name for p in out_dir.iterdir()} == {"report.md", "report.html"}
    assert f"#{name}" in (out_dir / "report.md").read_text()


def test_snapshots_make_the_next_report_show_change(env: dict[str, str], export: Path) -> None:
    assert run(env, "import", str(export))[0] == 0
    first = json.loads(run(env, "report", "--as-of", "2026-06-20", "--snapshot", "-f", "json")[1])
    assert first["previous_counts"] is None
    second = json.loads(run(env, "report", "--as-of", "2026-06-30", "-f", "json")[1])
    assert second["previous_counts"] == first["counts"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "--as-of", "last tuesday"], "not a date"),
        (["report", "--format", "xml"], "unknown format"),
        (["report", "--channel", "nope"], "no channel named 'nope'"),
        (["import", "/no/such/export.zip"], "no such file or folder"),
    ],
)
def test_bad_arguments_get_a_clear_message_and_no_traceback(
    env: dict[str, str], args: list[str], message: str
) -> None:
    code, out, err = run(env, *args)
    assert code != 0
    assert message in " ".join((out + err).split())
    assert "Traceback" not in out + err


def test_not_a_zip_says_so_and_nothing_is_stored(env: dict[str, str], tmp_path: Path) -> None:
    bogus = tmp_path / "export.zip"
    bogus.write_text("this is not a zip")
    code, _out, err = run(env, "import", str(bogus))
    assert code == 1
    assert "not a zip file" in err
    assert "Nothing was stored" in err


def test_invalid_settings_name_the_variable(env: dict[str, str]) -> None:
    code, _out, err = run({**env, "PULSE_MIN_RESPONDENTS": "1"}, "report")
    assert code == 2
    assert "PULSE_MIN_RESPONDENTS" in err


def test_invalid_scoring_file_names_file_line_and_field(
    env: dict[str, str], tmp_path: Path
) -> None:
    scoring = tmp_path / "scoring.yaml"
    scoring.write_text("love:\n  half_life_days: 30\n  daily_cap: -4\n")
    code, _out, err = run({**env, "PULSE_SCORING_FILE": str(scoring)}, "report")
    assert code == 2
    assert f"{scoring}:3: love.daily_cap" in " ".join(err.split())


def test_scoring_file_overrides_only_what_it_sets(
    env: dict[str, str], export: Path, tmp_path: Path
) -> None:
    assert run(env, "import", str(export))[0] == 0
    scoring = tmp_path / "scoring.yaml"
    scoring.write_text("thresholds:\n  love: 1000\n  reach: 1000\n")
    code, out, err = run({**env, "PULSE_SCORING_FILE": str(scoring)}, "report", "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["thresholds"] == {"love": 1000.0, "reach": 1000.0}
    assert report["counts"]["multiplier"] == 0
    assert report["window_days"] == 90


def test_db_upgrade_and_health(env: dict[str, str]) -> None:
    code, out, err = run(env, "db", "upgrade")
    assert code == 0, err
    assert HEAD in out
    code, out, err = run(env, "health")
    assert code == 0, err
    assert out.strip() == "ok"


def test_unreachable_database_is_a_clear_error(env: dict[str, str]) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    code, _out, err = run({**env, "DATABASE_URL": url}, "report")
    assert code == 2
    assert "cannot open the database" in err
    assert "DATABASE_URL" in err


@pytest.mark.parametrize(
    ("args", "extra", "variable"),
    [
        (["run"], {}, "SLACK_BOT_TOKEN is not set"),
        (["run"], {"SLACK_BOT_TOKEN": "xoxb-real-looking"}, "SLACK_APP_TOKEN is not set"),
        (["run"], {"SLACK_BOT_TOKEN": "xoxb-your-token-here"}, "SLACK_BOT_TOKEN still holds"),
        (["run"], {"SLACK_BOT_TOKEN": "xapp-123", "SLACK_APP_TOKEN": "xapp-1"}, "should start"),
        (["run", "--http"], {"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET is not set"),
        (
            ["run", "--http"],
            {"SLACK_SIGNING_SECRET": "changeme", "SLACK_BOT_TOKEN": "xoxb-1"},
            "SLACK_SIGNING_SECRET still holds",
        ),
    ],
)
def test_run_refuses_missing_or_placeholder_secrets(
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    extra: dict[str, str],
    variable: str,
) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    code, _out, err = run({**env, **extra}, *args)
    assert code == 2
    assert variable in " ".join(err.split())


def test_demo_twice_replaces_the_first_run(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.cli

    def on(day: date) -> type[date]:
        class Fixed(date):
            @classmethod
            def today(cls) -> date:
                return day

        return Fixed

    def stored() -> int:
        with sqlite3.connect(tmp_path / "pulse.db") as db:
            return int(db.execute("SELECT COUNT(*) FROM activity").fetchone()[0])

    monkeypatch.setattr(bot.cli, "date", on(date(2026, 6, 30)))
    assert run(env, "demo", "--out", str(tmp_path / "a"))[0] == 0
    first = json.loads((tmp_path / "a" / "report.json").read_text())
    first_count = stored()
    monkeypatch.setattr(bot.cli, "date", on(date(2026, 7, 1)))  # the next day
    assert run(env, "demo", "--out", str(tmp_path / "b"))[0] == 0
    second = json.loads((tmp_path / "b" / "report.json").read_text())
    assert second["counts"]["multiplier"] == pytest.approx(first["counts"]["multiplier"], abs=2)
    assert stored() == pytest.approx(first_count, rel=0.05), "the second run replaced the first"
    # Survey history is generated too, and replaced as well: six pulse runs and three framework
    # runs, all closed within the report's window.
    assert len(first["surveys"]["runs"]) == 9
    assert len(second["surveys"]["runs"]) == 9
    assert {m["aspect"] for m in second["surveys"]["maturity"]} <= {
        "investment",
        "adoption",
        "interfaces",
        "operations",
        "measurement",
    }
    assert second["surveys"]["culture"]["n"] >= 5


def test_cli_offers_exactly_the_renderers_formats() -> None:
    import bot.cli
    import bot.render

    assert bot.cli.FORMATS == bot.render.FORMATS


def test_run_stops_on_an_invalid_question_set_naming_file_line_and_field(
    env: dict[str, str], tmp_path: Path
) -> None:
    folder = tmp_path / "questions"
    folder.mkdir()
    (folder / "team.yaml").write_text(
        "id: team\ntitle: Team\ndescription: Ours.\nquestions:\n"
        "  - id: mood\n    text: How was your week?\n    kind: slider\n"
    )
    secrets = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s3cret-value",
        "PULSE_QUESTIONS_DIR": str(folder),
    }
    code, _out, err = run({**env, **secrets}, "run", "--http")
    assert code == 2
    message = " ".join(err.split())
    assert "team.yaml:7: questions.0.kind" in message


def test_console_on_an_empty_database_loads_the_demo_community(env: dict[str, str]) -> None:
    script = "/channel general\nthe docs helped a lot today\n/orbit me\n/quit\n"
    result = CliRunner().invoke(app, ["console"], env=env, input=script)
    assert result.exit_code == 0, result.stderr
    assert "loading the demo community" in result.stderr
    assert "You are in #general." in result.stdout
    assert "the docs helped a lot today" in result.stdout
    assert "Your orbit" in result.stdout


def test_run_on_teams_refuses_without_its_app_id(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("TEAMS_APP_ID", "TEAMS_APP_PASSWORD", "CLIENT_ID", "CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    code, _out, err = run(env, "run", "--platform", "teams")
    assert code == 2
    assert "TEAMS_APP_ID" in " ".join(err.split())
    code, _out, err = run(env, "run", "--platform", "irc")
    assert code == 2
    assert "slack or teams" in " ".join(err.split())
