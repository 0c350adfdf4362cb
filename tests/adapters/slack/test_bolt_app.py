"""End to end: signed Slack requests → the real Bolt app served over HTTP by waitress (as
``pulse run --http`` does) → our database, with a fake Slack Web API on localhost."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, select
from waitress.server import create_server

from bot.adapters.slack.app import wsgi_app
from bot.bootstrap import Container, bootstrap, slack
from bot.config import load_settings
from bot.core.model import Channel
from storage import directory as people
from storage.sql import ACTIVITY, MEMBER
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.signing import post_command, post_event

SECRET = "test-signing-secret-123"
TS = "1782777600.000100"  # 2026-06-30


@dataclass
class Bot:
    url: str
    root: str
    slack: FakeSlack
    engine: Engine
    container: Container

    def event(self, event: dict[str, Any], **kw: Any) -> int:
        return post_event(self.url, SECRET, event, **kw)[0]

    def command(self, text: str, user: str, name: str = "r1") -> dict[str, Any]:
        before = self._answered(name)
        status, _, _ = post_command(
            self.url,
            SECRET,
            "/orbit",
            text,
            user_id=user,
            response_url=self.slack.response_url(name),
        )
        assert status == 200
        eventually(lambda: self._answered(name) > before)
        calls = self.slack.calls_to("response_url")
        return [c for c in calls if c.path.endswith(f"/{name}")][-1].params

    def _answered(self, name: str) -> int:
        return sum(1 for c in self.slack.calls_to("response_url") if c.path.endswith(f"/{name}"))


def stored(engine: Engine) -> dict[str, tuple[str, str, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(ACTIVITY.c.key, ACTIVITY.c.kind, ACTIVITY.c.actor, ACTIVITY.c.target)
        )
        return {r.key: (r.kind, r.actor, r.target) for r in rows}


def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    """Bolt acknowledges first and records after; wait for the write."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


def stop_waitress(server: Any) -> None:
    """Close every channel from inside waitress' own loop, which then ends."""
    server.task_dispatcher.shutdown()
    server.trigger.pull_trigger(lambda: server.asyncore.close_all(server._map))


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[Bot]:
    with FakeSlack() as fake:
        fake.add_user("UALICE", "alice")
        fake.add_user("UBOB", "bob")
        fake.add_user("UTEAM", "tess")
        fake.add_user("UDEPLOY", "deploy-bot", is_bot=True)
        fake.add_channel("CTEAM", "platform-team", ["UTEAM"])
        fake.add_channel("C1", "general", ["UALICE", "UBOB", "UTEAM"])
        settings = load_settings(
            database_url=f"sqlite:///{tmp_path}/pulse.db",
            slack_bot_token="xoxb-test-token",
            slack_signing_secret=SECRET,
            slack_api_url=fake.base_url,
        )
        container = bootstrap(settings)
        with container.engine.begin() as conn:
            people.upsert_channels(
                conn, [Channel("CTEAM", "platform-team"), Channel("C1", "general")]
            )
        runtime = slack(container, http=True)
        server = create_server(wsgi_app(runtime.app, container.engine), host="127.0.0.1", port=0)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        root = f"http://127.0.0.1:{server.effective_port}"
        try:
            yield Bot(root + "/slack/events", root, fake, container.engine, container)
        finally:
            stop_waitress(server)
            thread.join(timeout=5)


def message(ts: str, user: str, text: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "channel": "C1",
        "channel_type": "channel",
        "user": user,
        "text": text,
        "ts": ts,
        **extra,
    }


def test_health_and_platform_team_synced_at_start(bot: Bot) -> None:
    with urllib.request.urlopen(bot.root + "/healthz", timeout=5) as response:
        assert response.status == 200
        assert json.loads(response.read()) == {"ok": True}
    assert bot.slack.calls_to("auth.test")
    assert bot.slack.calls_to("conversations.members")[0].params["channel"] == "CTEAM"


def test_live_signals_are_stored_like_the_importer_stores_them(bot: Bot) -> None:
    reply_ts = "1782777700.000200"
    assert (
        bot.event(message(TS, "UALICE", "the new pipeline is great <@UBOB>", thread_ts=TS)) == 200
    )
    assert (
        bot.event(message(reply_ts, "UBOB", "agreed", thread_ts=TS, parent_user_id="UALICE")) == 200
    )
    assert (
        bot.event(
            {
                "type": "reaction_added",
                "user": "UBOB",
                "reaction": "tada",
                "item_user": "UALICE",
                "item": {"type": "message", "channel": "C1", "ts": TS},
                "event_ts": "1782777800.000300",
            }
        )
        == 200
    )
    assert (
        bot.event(
            {
                "type": "member_joined_channel",
                "channel": "C1",
                "user": "UBOB",
                "event_ts": "1782777900.000400",
            }
        )
        == 200
    )
    expected = {
        f"post:C1:{TS}": ("message", "UALICE", None),
        f"mention:C1:{TS}:UBOB": ("mention", "UALICE", "UBOB"),
        f"post:C1:{reply_ts}": ("reply", "UBOB", "UALICE"),
        f"react:C1:{TS}:UBOB:tada": ("reaction", "UBOB", "UALICE"),
        "join:C1:UBOB": ("join", "UBOB", None),
    }
    eventually(lambda: stored(bot.engine) == expected)
    with bot.engine.connect() as conn:
        names = dict(conn.execute(select(MEMBER.c.id, MEMBER.c.name)).all())
    assert names["UALICE"] == "alice"  # learnt through users.info


def test_edits_deletions_and_removed_reactions_follow(bot: Bot) -> None:
    bot.event(message(TS, "UALICE", "thanks <@UBOB>"))
    bot.event(
        {
            "type": "reaction_added",
            "user": "UBOB",
            "reaction": "eyes",
            "item_user": "UALICE",
            "item": {"type": "message", "channel": "C1", "ts": TS},
        }
    )
    eventually(lambda: len(stored(bot.engine)) == 3)
    bot.event(
        {
            "type": "message",
            "subtype": "message_changed",
            "channel": "C1",
            "message": {"type": "message", "user": "UALICE", "text": "thanks <@UTEAM>", "ts": TS},
            "previous_message": {"type": "message", "user": "UALICE", "ts": TS},
            "ts": "1782778000.0",
        }
    )
    eventually(lambda: f"mention:C1:{TS}:UTEAM" in stored(bot.engine))
    assert f"mention:C1:{TS}:UBOB" not in stored(bot.engine)
    bot.event(
        {
            "type": "reaction_removed",
            "user": "UBOB",
            "reaction": "eyes",
            "item_user": "UALICE",
            "item": {"type": "message", "channel": "C1", "ts": TS},
        }
    )
    eventually(lambda: f"react:C1:{TS}:UBOB:eyes" not in stored(bot.engine))
    bot.event(
        {
            "type": "message",
            "subtype": "message_deleted",
            "channel": "C1",
            "deleted_ts": TS,
            "ts": "1782778100.0",
        }
    )
    eventually(lambda: stored(bot.engine) == {})


def test_replaying_every_event_three_times_changes_nothing(bot: Bot) -> None:
    events = [
        message(TS, "UALICE", "hello <@UBOB>"),
        {
            "type": "reaction_added",
            "user": "UBOB",
            "reaction": "wave",
            "item_user": "UALICE",
            "item": {"type": "message", "channel": "C1", "ts": TS},
        },
        {"type": "member_joined_channel", "channel": "C1", "user": "UALICE"},
    ]
    for e in events:
        bot.event(e, event_id="Ev" + e["type"])
    eventually(lambda: len(stored(bot.engine)) == 4)
    first = stored(bot.engine)
    for retry in (1, 2, 3):
        for e in events:
            assert (
                bot.event(
                    e, event_id="Ev" + e["type"], retry_num=retry, retry_reason="http_timeout"
                )
                == 200
            )
    time.sleep(0.5)
    assert stored(bot.engine) == first


def test_bots_and_direct_messages_produce_nothing(bot: Bot) -> None:
    bot.event(message(TS, "UDEPLOY", "deployed v2"))
    bot.event(message("1782777599.0", "USLACKBOT", "Reminder: fill in the survey"))
    bot.event(message("1782777601.0", "UALICE", "psst", channel_type="im", channel="D1"))
    bot.event({**message("1782777602.0", "UALICE", "x"), "bot_id": "B1", "subtype": "bot_message"})
    bot.event(message("1782777603.0", "UBOB", "a real message"))
    eventually(lambda: "post:C1:1782777603.0" in stored(bot.engine))
    assert set(stored(bot.engine)) == {"post:C1:1782777603.0"}


def test_forged_signatures_and_stale_timestamps_are_rejected(bot: Bot) -> None:
    assert bot.event(message(TS, "UALICE", "hi"), signature="v0=" + "0" * 64) == 401
    assert bot.event(message(TS, "UALICE", "hi"), timestamp=int(time.time()) - 600) == 401
    status, _, _ = post_command(bot.url, "wrong-secret", "/orbit", "", user_id="UTEAM")
    assert status == 401
    time.sleep(0.3)
    assert stored(bot.engine) == {}
    assert not bot.slack.calls_to("response_url")


def test_malformed_events_are_dropped_and_the_bot_keeps_going(bot: Bot) -> None:
    assert bot.event({"type": "message", "user": "UALICE", "text": "no channel", "ts": TS}) == 200
    assert bot.event({"type": "reaction_added", "user": "UBOB", "item": {"type": "message"}}) == 200
    assert bot.event(message("not-a-ts", "UALICE", "bad ts")) == 200
    assert bot.event(message(TS, "UALICE", "fine")) == 200
    eventually(lambda: set(stored(bot.engine)) == {f"post:C1:{TS}"})


def test_web_api_errors_are_retried_or_reported_without_losing_the_event(bot: Bot) -> None:
    bot.slack.fail("users.info", times=1, kind="ratelimited", retry_after=0)
    bot.event(message(TS, "UALICE", "first"))
    eventually(lambda: f"post:C1:{TS}" in stored(bot.engine))
    assert len(bot.slack.calls_to("users.info")) >= 2  # 429, then the retry
    bot.slack.fail("users.info", times=5, kind="server_error")
    bot.event(message("1782777700.0", "UBOB", "second"))
    eventually(lambda: "post:C1:1782777700.0" in stored(bot.engine))
    bot.slack.fail("users.info", times=1, kind="error", error="user_not_found")
    bot.event(message("1782777800.0", "UNEW", "third"))
    eventually(lambda: "post:C1:1782777800.0" in stored(bot.engine))


def test_orbit_for_the_team_and_a_polite_refusal_for_others(bot: Bot) -> None:
    bot.event(message(TS, "UALICE", "hello <@UBOB>"))
    eventually(lambda: len(stored(bot.engine)) == 2)
    answer = bot.command("", "UTEAM", "team")
    assert answer["response_type"] == "ephemeral"
    text = json.dumps(answer["blocks"])
    assert "Multipliers" in text or "multiplier" in text.lower()
    refusal = bot.command("", "UALICE", "alice")
    assert "me" in json.dumps(refusal["blocks"])
    assert not any(ch.isdigit() for ch in json.dumps(refusal["blocks"]))
    assert "UBOB" not in json.dumps(refusal["blocks"])
    member = bot.command("<@UALICE|alice>", "UTEAM", "member")
    assert "alice" in json.dumps(member["blocks"]).lower()


def test_orbit_me_help_usage_and_forget(bot: Bot) -> None:
    bot.event(message(TS, "UALICE", "hello"))
    eventually(lambda: len(stored(bot.engine)) == 1)
    me = json.dumps(bot.command("me", "UALICE", "me")["blocks"])
    assert "message" in me.lower()
    help_text = json.dumps(bot.command("help", "UALICE", "help")["blocks"])
    assert "/orbit me" in help_text
    assert "/orbit @member" not in help_text
    usage = json.dumps(bot.command("dance", "UALICE", "usage")["blocks"])
    assert "dance" in usage
    forget = json.dumps(bot.command("forget", "UALICE", "forget")["blocks"])
    assert "erased" in forget
    assert stored(bot.engine) == {}


def test_app_home_shows_the_team_the_summary_with_the_orbit_map(bot: Bot) -> None:
    bot.event(message(TS, "UALICE", "hello"))
    eventually(lambda: len(stored(bot.engine)) == 1)
    bot.event({"type": "app_home_opened", "user": "UTEAM", "channel": "D0", "tab": "home"})
    published = bot.slack.wait_for("views.publish", timeout=15)[0].params
    assert published["user_id"] == "UTEAM"
    view = (
        published["view"] if isinstance(published["view"], dict) else json.loads(published["view"])
    )
    assert view["type"] == "home"
    images = [b for b in view["blocks"] if b["type"] == "image"]
    assert images
    assert images[0]["slack_file"]["id"] in bot.slack.uploads
    assert bot.slack.uploads[images[0]["slack_file"]["id"]][:8] == b"\x89PNG\r\n\x1a\n"


def test_oauth_install_flow_keeps_installations_in_our_database(tmp_path: Path) -> None:
    with FakeSlack() as fake:
        settings = load_settings(
            database_url=f"sqlite:///{tmp_path}/pulse.db",
            slack_client_id="111.222",
            slack_client_secret="a-real-looking-client-secret",
            slack_signing_secret=SECRET,
            slack_api_url=fake.base_url,
        )
        container = bootstrap(settings)
        runtime = slack(container, http=True)
        server = create_server(wsgi_app(runtime.app, container.engine), host="127.0.0.1", port=0)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            url = f"http://127.0.0.1:{server.effective_port}/slack/install"
            with urllib.request.urlopen(url, timeout=5) as response:
                page = response.read().decode()
            assert response.status == 200
            assert "slack.com/oauth/v2/authorize" in page
            assert "client_id=111.222" in page
        finally:
            stop_waitress(server)
            thread.join(timeout=5)
        with container.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
        assert {"slack_installations", "slack_bots", "slack_oauth_states"} <= tables
