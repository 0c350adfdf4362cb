"""The console: what each command does, and what it says when a command is wrong."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.adapters.console.session import ConsoleSession, run_console
from bot.adapters.console.text import blocks_to_lines, plain
from storage.sql import ACTIVITY
from tests.conversations.drivers import ConsoleDriver, console_driver


@pytest.fixture
def console(tmp_path: Path) -> Iterator[ConsoleSession]:
    with console_driver(tmp_path) as driver:
        assert isinstance(driver, ConsoleDriver)
        yield driver.session


def test_mrkdwn_becomes_readable_text() -> None:
    text = plain(
        "*Bold* and <@U1> in <#C1|general> at <!date^1^{date}|2026-11-23 09:00 UTC>: "
        "&lt;ok&gt; &amp; <https://example.com|docs>",
        name={"U1": "ana"}.get,  # type: ignore[arg-type]
    )
    assert text == "Bold and @ana in #general at 2026-11-23 09:00 UTC: <ok> & docs"


def test_blocks_become_lines_with_buttons_that_can_be_typed_back() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Pulse"}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "*Fans*\n3"}]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "small print"}]},
        {"type": "divider"},
        {"type": "image", "alt_text": "the orbit map", "image_url": "x"},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "5 · Great"},
                    "value": "1|q|5",
                }
            ],
        },
    ]
    assert blocks_to_lines(blocks) == [
        "Pulse",
        "=====",
        "Fans: 3",
        "  small print",
        "-" * 40,
        "[picture: the orbit map]",
        "  [5] 5 · Great",
    ]


def test_posting_replying_and_reacting_store_signals(console: ConsoleSession) -> None:
    console.handle("/as u1")
    assert console.handle("hello everyone") == ["[1] u1: hello everyone"]
    console.handle("/as U2")
    assert console.handle("/reply 1 hi!") == ["[2] u2 (reply to 1): hi!"]
    assert console.handle("/react 1 :wave:") == ["u2 reacted :wave: on [1]"]
    console.recorder.flush()
    with console.recorder.engine.connect() as conn:
        kinds = sorted(conn.execute(select(ACTIVITY.c.kind, ACTIVITY.c.target)).all())
    assert kinds == [("message", None), ("reaction", "U1"), ("reply", "U1")]
    console.handle("/unreact 1 wave")
    with console.recorder.engine.connect() as conn:
        assert len(conn.execute(select(ACTIVITY)).all()) == 2


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("/as nobody", "Nobody is called"),
        ("/channel nowhere", "No channel"),
        ("/react 9 tada", "There is no message 9"),
        ("/answer 1 5", "No survey is open"),
        ("/close", "Only the platform team"),
        ("/dance", "I don't know"),
    ],
)
def test_mistakes_are_explained(console: ConsoleSession, line: str, says: str) -> None:
    console.handle("/as U1")
    [answer] = console.handle(line)
    assert answer.startswith("! ")
    assert says in answer


def test_switching_channel_and_listing(console: ConsoleSession) -> None:
    assert console.handle("/channel platform") == ["You are in #platform-team."]
    assert console.handle("/channels") == ["#general, #platform-team"]
    assert "u1" in console.handle("/members")[0]
    assert console.handle("/help")[0].startswith("Type a message")


def test_the_loop_reads_until_quit(
    console: ConsoleSession, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = iter(["/as U1", "hello", "/quit", "never read"])
    run_console(console, read=lambda _prompt: next(lines))
    shown = capsys.readouterr().out
    assert "[1] u1: hello" in shown
    assert "never read" not in shown


def test_who_says_when_you_act_as_the_platform_team(console: ConsoleSession) -> None:
    assert console.handle("/as UTEAM") == ["You are uteam (UTEAM, platform team)."]
    assert console.handle("/who") == ["You are uteam (UTEAM, platform team) in #general."]
    assert console.handle("/as U1") == ["You are u1 (U1)."]
