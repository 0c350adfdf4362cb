"""Importing hand-made Slack exports (DESIGN.md "Signals"): what is stored, what is skipped and
why, and that bad input changes nothing."""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, inspect, select, text

from bot.adapters.slack.export import ExportError
from bot.adapters.slack.importing import ImportReport, import_export
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.sql import (
    ACTIVITY,
    CHANNEL,
    CHANNEL_MEMBER,
    MEMBER,
    MEMBER_CHANNEL_DAY,
    MEMBER_DAY,
    PAIR_CHANNEL_DAY,
    PAIR_DAY,
)
from tests.adapters.slack.exports import ExportBuilder, epoch_day, msg, reactions, reply, slack_ts

DAY1, DAY2, DAY3 = "2026-06-01", "2026-06-02", "2026-06-03"
D1 = epoch_day(slack_ts(DAY1))
D2 = epoch_day(slack_ts(DAY2))

Stored = dict[str, tuple[str, str, str | None, str]]  # key -> (kind, actor, target, channel)

# --- fixtures and helpers -----------------------------------------------------------------------


@pytest.fixture
def new_db(tmp_path: Path) -> Iterator[Callable[[str], Engine]]:
    """Factory of fresh, migrated SQLite databases in ``tmp_path``."""
    engines: list[Engine] = []

    def make(name: str = "t") -> Engine:
        engine = make_engine(f"sqlite:///{tmp_path}/{name}.db")
        upgrade(engine)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture
def engine(new_db: Callable[[str], Engine]) -> Engine:
    return new_db("t")


def run(engine: Engine, path: Path, **options: Any) -> ImportReport:
    options.setdefault("jobs", 1)
    return import_export(engine, path, **options)


def stored(engine: Engine) -> Stored:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                ACTIVITY.c.key,
                ACTIVITY.c.kind,
                ACTIVITY.c.actor,
                ACTIVITY.c.target,
                ACTIVITY.c.channel,
            )
        ).all()
    return {r.key: (r.kind, r.actor, r.target, r.channel) for r in rows}


def table_rows(
    engine: Engine,
    table: Any,
    *,
    without: tuple[str, ...] = (),
    columns: tuple[str, ...] | None = None,
) -> list[tuple[Any, ...]]:
    """Sorted rows of a table: all columns (minus ``without``) or the named ``columns``."""
    chosen = (
        [table.c[name] for name in columns]
        if columns is not None
        else [c for c in table.c if c.name not in without]
    )
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(*chosen)))


MEMBER_DAY_COLUMNS = (
    "member_id",
    "channel_id",
    "day",
    "n_message",
    "n_reply",
    "n_reaction",
    "n_mention",
    "n_join",
    "n_survey_answer",
    "sentiment_sum",
    "sentiment_n",
)
PAIR_DAY_COLUMNS = (
    "source_id",
    "target_id",
    "channel_id",
    "day",
    "n_reply",
    "n_reaction",
    "n_mention",
)


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to prove a failed import changed nothing."""
    with engine.connect() as conn:
        names = sorted(inspect(conn).get_table_names())
        return {
            name: sorted(tuple(map(repr, r)) for r in conn.execute(text(f'SELECT * FROM "{name}"')))
            for name in names
        }


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (ACTIVITY, MEMBER, MEMBER_DAY, PAIR_DAY, CHANNEL, CHANNEL_MEMBER)
        }


def community(tmp_path: Path, name: str = "export") -> ExportBuilder:
    """Three people, a bot and #general."""
    return (
        ExportBuilder(tmp_path, name)
        .user("U1", "ada")
        .user("U2", "bob")
        .user("U3", "carol")
        .bot("UBOT", "deploybot")
        .channel("C1", "general", members=["U1", "U2", "U3"])
    )


def t(second: int, day: str = DAY1) -> str:
    return slack_ts(day, second, micro=100)


# --- 1. what a message yields -------------------------------------------------------------------


def test_messages_replies_reactions_and_mentions(tmp_path: Path, engine: Engine) -> None:
    starter = t(10)
    broadcast = msg(
        "U3", t(40), "see above", subtype="thread_broadcast", thread_ts=starter, parent_user_id="U1"
    )
    same_as_reply = reply("U3", t(40), starter, "U1", "see above")
    folder = (
        community(tmp_path)
        .day(
            "general",
            DAY1,
            [
                msg(
                    "U1",
                    starter,
                    "Hello all",
                    thread_ts=starter,
                    reply_count=3,
                    reactions=reactions({"+1": ["U2", "U3", "U1"], "tada": ["U2"]}),
                ),
                reply("U2", t(20), starter, "U1", "hi ada"),
                reply("U1", t(30), starter, "U1", "answering myself"),
                broadcast,
                same_as_reply,
                msg("U1", t(50), "<@U2> and <@U3|carol>, cc <@U1> and <@UBOT>, again <@U2>"),
            ],
        )
        .write()
    )
    report = run(engine, folder)

    assert stored(engine) == {
        f"post:C1:{starter}": ("message", "U1", None, "C1"),
        f"react:C1:{starter}:U2:+1": ("reaction", "U2", "U1", "C1"),
        f"react:C1:{starter}:U3:+1": ("reaction", "U3", "U1", "C1"),
        f"react:C1:{starter}:U1:+1": ("reaction", "U1", None, "C1"),
        f"react:C1:{starter}:U2:tada": ("reaction", "U2", "U1", "C1"),
        f"post:C1:{t(20)}": ("reply", "U2", "U1", "C1"),
        f"post:C1:{t(30)}": ("reply", "U1", None, "C1"),
        f"post:C1:{t(40)}": ("reply", "U3", "U1", "C1"),
        f"post:C1:{t(50)}": ("message", "U1", None, "C1"),
        f"mention:C1:{t(50)}:U2": ("mention", "U1", "U2", "C1"),
        f"mention:C1:{t(50)}:U3": ("mention", "U1", "U3", "C1"),
    }
    assert report.source == str(folder)
    assert (report.members, report.channels, report.files, report.messages) == (4, 1, 1, 6)
    assert report.found == Counter(message=2, reply=4, reaction=4, mention=2)
    assert report.new == 11
    assert report.already_stored == 1  # the broadcast seen twice
    assert report.skipped == Counter()
    assert report.unlisted_channels == []


def test_mentions_are_case_insensitive_and_unknown_ids_are_kept(
    tmp_path: Path, engine: Engine
) -> None:
    folder = (
        community(tmp_path)
        .day(
            "general",
            DAY1,
            [
                msg("U1", t(1), "<@u2> <!here> <#C1|general> <@U2|bob> <@W0ENT>"),
            ],
        )
        .write()
    )
    run(engine, folder)
    assert stored(engine) == {
        f"post:C1:{t(1)}": ("message", "U1", None, "C1"),
        f"mention:C1:{t(1)}:U2": ("mention", "U1", "U2", "C1"),
        f"mention:C1:{t(1)}:W0ENT": ("mention", "U1", "W0ENT", "C1"),
    }


def test_reactions_on_a_reply_target_the_replier(tmp_path: Path, engine: Engine) -> None:
    starter = t(1)
    folder = (
        community(tmp_path)
        .day(
            "general",
            DAY1,
            [
                msg("U1", starter, "q", thread_ts=starter),
                {
                    **reply("U2", t(2), starter, "U1", "a"),
                    "reactions": reactions({"heart": ["U1", "U3"]}),
                },
            ],
        )
        .write()
    )
    run(engine, folder)
    reacts = {k: v for k, v in stored(engine).items() if v[0] == "reaction"}
    assert reacts == {
        f"react:C1:{t(2)}:U1:heart": ("reaction", "U1", "U2", "C1"),
        f"react:C1:{t(2)}:U3:heart": ("reaction", "U3", "U2", "C1"),
    }


# --- 2. older export formats --------------------------------------------------------------------


def test_2016_export_without_threads(tmp_path: Path, engine: Engine) -> None:
    day1, day2 = "2016-03-01", "2016-03-02"
    folder = (
        ExportBuilder(tmp_path)
        .user("U1", "ada")
        .user("U2", "bob")
        .channel("C1", "general", members=["U1", "U2"])
        .day(
            "general",
            day1,
            [
                {"type": "message", "user": "U1", "text": "first!", "ts": slack_ts(day1, 5)},
                {
                    "type": "message",
                    "subtype": "channel_join",
                    "user": "U2",
                    "text": "<@U2|bob> has joined the channel",
                    "ts": slack_ts(day1, 6),
                },
            ],
        )
        .day(
            "general",
            day2,
            [
                {
                    "type": "message",
                    "user": "U2",
                    "text": "hey <@U1>",
                    "ts": slack_ts(day2, 7),
                    "reactions": [{"name": "wave", "users": ["U1"], "count": 1}],
                },
            ],
        )
        .write()
    )
    report = run(engine, folder)
    assert stored(engine) == {
        f"post:C1:{slack_ts(day1, 5)}": ("message", "U1", None, "C1"),
        "join:C1:U2": ("join", "U2", None, "C1"),
        f"post:C1:{slack_ts(day2, 7)}": ("message", "U2", None, "C1"),
        f"mention:C1:{slack_ts(day2, 7)}:U1": ("mention", "U2", "U1", "C1"),
        f"react:C1:{slack_ts(day2, 7)}:U1:wave": ("reaction", "U1", "U2", "C1"),
    }
    assert report.files == 2
    assert report.messages == 3


def test_older_threaded_export_without_parent_user_id(tmp_path: Path, engine: Engine) -> None:
    """Replies name only ``thread_ts``; the thread starter is found in an earlier day file of the
    same channel, in the same file (even listed after the reply), or from a parent that carries
    no ``thread_ts`` at all. A thread ts from another channel does not count."""
    day1, day2 = "2017-01-10", "2017-01-11"
    parent = slack_ts(day1, 100)
    bare_parent = slack_ts(day1, 200)
    late_parent = slack_ts(day2, 50)
    folder = (
        ExportBuilder(tmp_path)
        .user("U1", "ada")
        .user("U2", "bob")
        .user("U3", "carol")
        .channel("C1", "general")
        .channel("C2", "random")
        .day(
            "general",
            day1,
            [
                {
                    "type": "message",
                    "user": "U1",
                    "text": "question",
                    "ts": parent,
                    "thread_ts": parent,
                    "reply_count": 2,
                    "replies": [
                        {"user": "U2", "ts": slack_ts(day2, 10)},
                        {"user": "U1", "ts": slack_ts(day2, 20)},
                    ],
                },
                {"type": "message", "user": "U3", "text": "plain", "ts": bare_parent},
            ],
        )
        .day(
            "general",
            day2,
            [
                reply("U2", slack_ts(day2, 10), parent, None, "answer"),
                reply("U1", slack_ts(day2, 20), parent, None, "thanks"),
                reply("U1", slack_ts(day2, 30), bare_parent, None, "to carol"),
                reply("U3", slack_ts(day2, 60), late_parent, None, "listed before its parent"),
                {
                    "type": "message",
                    "user": "U2",
                    "text": "new thread",
                    "ts": late_parent,
                    "thread_ts": late_parent,
                },
            ],
        )
        .day("random", day2, [reply("U3", slack_ts(day2, 70), parent, None, "wrong channel")])
        .write()
    )
    run(engine, folder)
    replies = {k: v for k, v in stored(engine).items() if v[0] == "reply"}
    assert replies == {
        f"post:C1:{slack_ts(day2, 10)}": ("reply", "U2", "U1", "C1"),
        f"post:C1:{slack_ts(day2, 20)}": ("reply", "U1", None, "C1"),
        f"post:C1:{slack_ts(day2, 30)}": ("reply", "U1", "U3", "C1"),
        f"post:C1:{slack_ts(day2, 60)}": ("reply", "U3", "U2", "C1"),
        f"post:C2:{slack_ts(day2, 70)}": ("reply", "U3", None, "C2"),
    }


def test_reply_target_resolved_from_a_previous_import(tmp_path: Path, engine: Engine) -> None:
    parent = t(10)
    first = (
        community(tmp_path, "june1")
        .day(
            "general",
            DAY1,
            [
                msg("U1", parent, "question", thread_ts=parent),
            ],
        )
        .write()
    )
    second = (
        community(tmp_path, "june2")
        .day(
            "general",
            DAY2,
            [
                reply("U2", t(10, DAY2), parent, None, "late answer"),
            ],
        )
        .write()
    )
    run(engine, first)
    run(engine, second)
    assert stored(engine)[f"post:C1:{t(10, DAY2)}"] == ("reply", "U2", "U1", "C1")


# --- 3. subtypes, bots and system messages ------------------------------------------------------


def test_system_subtypes_and_bots_yield_nothing_but_joins(tmp_path: Path, engine: Engine) -> None:
    folder = (
        community(tmp_path)
        .user("USLACKBOT", "slackbot")
        .day(
            "general",
            DAY1,
            [
                msg("U2", t(1), "<@U2> has joined the channel", subtype="channel_join"),
                msg(None, t(2), "build passed", subtype="bot_message", bot_id="B1", username="ci"),
                msg("U1", t(3), "posted by an app as ada", bot_id="B2"),
                msg("UBOT", t(4), "deploy finished <@U1>", reactions=reactions({"eyes": ["UBOT"]})),
                msg("USLACKBOT", t(5), "Reminder: standup"),
                msg("U1", t(6), "a file", subtype="file_share", files=[{"id": "F1"}]),
                msg("U2", t(7), "nice file", subtype="file_comment"),
                msg("U1", t(8), "set the purpose", subtype="channel_purpose", purpose="x"),
                msg("U1", t(9), "set the topic", subtype="channel_topic", topic="y"),
                msg("U1", t(10), "archived the channel", subtype="channel_archive"),
                msg("U3", t(11), "pinned a message", subtype="pinned_item"),
                msg(
                    "USLACKBOT",
                    t(12),
                    "This message was deleted.",
                    subtype="tombstone",
                    thread_ts=t(12),
                    reply_count=1,
                ),
            ],
        )
        .day(
            "general",
            DAY2,
            [
                msg("U2", t(1, DAY2), "<@U2> has joined the channel", subtype="channel_join"),
                msg("UBOT", t(2, DAY2), "<@UBOT> has joined the channel", subtype="channel_join"),
            ],
        )
        .write()
    )
    report = run(engine, folder)
    assert stored(engine) == {"join:C1:U2": ("join", "U2", None, "C1")}
    assert report.found == Counter(join=2)
    assert report.new == 1
    assert report.skipped == Counter(
        {
            "bot messages": 5,
            "joins by bots or opted-out members": 1,
            "system messages (file_share)": 1,
            "system messages (file_comment)": 1,
            "system messages (channel_purpose)": 1,
            "system messages (channel_topic)": 1,
            "system messages (channel_archive)": 1,
            "system messages (pinned_item)": 1,
        }
    )


def test_me_message_counts_as_a_message(tmp_path: Path, engine: Engine) -> None:
    folder = (
        community(tmp_path)
        .day(
            "general",
            DAY1,
            [
                msg("U1", t(1), "is deploying", subtype="me_message"),
            ],
        )
        .write()
    )
    run(engine, folder)
    assert stored(engine) == {f"post:C1:{t(1)}": ("message", "U1", None, "C1")}


def test_slackbot_not_listed_in_users_json_yields_nothing(tmp_path: Path, engine: Engine) -> None:
    folder = (
        community(tmp_path)
        .day(
            "general",
            DAY1,
            [
                msg("USLACKBOT", t(1), "Reminder: fill in the survey"),
                msg("U1", t(2), "thanks <@USLACKBOT>"),
            ],
        )
        .write()
    )
    report = run(engine, folder)
    assert set(stored(engine)) == {f"post:C1:{t(2)}"}
    assert report.skipped["bot messages"] == 1


# --- 4. export layout ---------------------------------------------------------------------------


def test_unlisted_folders_extra_files_and_direct_messages(tmp_path: Path, engine: Engine) -> None:
    folder = (
        community(tmp_path)
        .channel("G1", "secret", members=["U1"], listing="groups.json")
        .dm("D0DM", ["U1", "U2"])
        .mpim("G0MP", "mpdm-ada--bob--carol-1", ["U1", "U2", "U3"])
        .day("general", DAY1, [msg("U1", t(1), "hello")])
        .day("secret", DAY1, [msg("U1", t(2), "psst")])
        .day("old-stuff", DAY1, [msg("U2", t(3), "from a folder channels.json forgot")])
        # Never read: a DM folder by id, a group DM folder by name (both would fail to parse).
        .file(f"D0DM/{DAY1}.json", "{not json")
        .file(f"mpdm-ada--bob--carol-1/{DAY1}.json", "{not json either")
        .file("canvases.json", [])
        .file("huddle_transcripts.json", [])
        .file("integration_logs.json", {"logs": []})
        .file("lists.json", [])
        .file("general/notes.txt", "not a day file")
        .file(f"general/{DAY2}.json.bak", "[]")
        .file(f"general/archive/{DAY2}.json", "[]")
        .write()
    )
    report = run(engine, folder)
    assert stored(engine) == {
        f"post:C1:{t(1)}": ("message", "U1", None, "C1"),
        f"post:G1:{t(2)}": ("message", "U1", None, "G1"),
        f"post:old-stuff:{t(3)}": ("message", "U2", None, "old-stuff"),
    }
    assert report.unlisted_channels == ["old-stuff"]
    assert (report.channels, report.files) == (3, 3)
    assert report.skipped == Counter(
        {
            "canvases.json: not used by the importer": 1,
            "huddle_transcripts.json: not used by the importer": 1,
            "integration_logs.json: not used by the importer": 1,
            "lists.json: not used by the importer": 1,
            "direct-message folders (never read)": 2,
            "files in channel folders that are not day files": 3,
        }
    )
    assert table_rows(engine, CHANNEL) == [
        ("C1", "general", True),
        ("G1", "secret", True),
        ("old-stuff", "old-stuff", True),
    ]
    assert table_rows(engine, CHANNEL_MEMBER) == [
        ("C1", "U1"),
        ("C1", "U2"),
        ("C1", "U3"),
        ("G1", "U1"),
    ]


# --- 5. zip and folder --------------------------------------------------------------------------


def rich_export(tmp_path: Path, name: str = "export") -> ExportBuilder:
    """Several channels and days, threads with and without parent_user_id, reactions, mentions,
    joins and skipped subtypes."""
    builder = community(tmp_path, name).channel("C2", "random", members=["U1", "U2"])
    for n, day in enumerate([DAY1, DAY2, DAY3, "2026-06-04"]):
        starter = t(10, day)
        for channel, author, other in (("general", "U1", "U2"), ("random", "U2", "U3")):
            builder.day(
                channel,
                day,
                [
                    msg("U3", t(1, day), "joined", subtype="channel_join"),
                    msg(
                        author,
                        starter,
                        f"Thread {n}: the platform is great <@{other}>",
                        thread_ts=starter,
                        reactions=reactions({"+1": [other, "U3"]}),
                    ),
                    reply(
                        other,
                        t(20, day),
                        starter,
                        author if n % 2 else None,
                        "This is broken and terrible",
                    ),
                    reply(author, t(30, day), starter, None, "ok"),
                    msg(None, t(40, day), "beep", subtype="bot_message", bot_id="B1"),
                ],
            )
        if n:  # a reply, without parent_user_id, to the previous day's thread
            builder.day(
                "general",
                day,
                [
                    *builder.days["general"][day],
                    reply("U3", t(50, day), t(10, [DAY1, DAY2, DAY3][n - 1]), None, "late"),
                ],
            )
    return builder


def test_zip_and_folder_give_identical_activities(
    tmp_path: Path, new_db: Callable[[str], Engine]
) -> None:
    builder = rich_export(tmp_path)
    sources = {
        "folder": builder.write(),
        "zip": builder.zip(tmp_path / "export.zip"),
        "rezipped": builder.zip(tmp_path / "rezipped.zip", prefix="slack-export"),
    }
    with zipfile.ZipFile(sources["rezipped"]) as archive:
        assert all(n.startswith("slack-export/") for n in archive.namelist())
    results = {}
    for label, path in sources.items():
        engine = new_db(label)
        report = run(engine, path)
        results[label] = (
            table_rows(engine, ACTIVITY, without=("id",)),
            table_rows(engine, MEMBER_DAY),
            table_rows(engine, PAIR_DAY),
            report.new,
            report.skipped,
        )
    assert len(results["folder"][0]) > 40
    assert results["zip"] == results["folder"]
    assert results["rezipped"] == results["folder"]


def test_folder_holding_the_export_in_one_subfolder(
    tmp_path: Path, new_db: Callable[[str], Engine]
) -> None:
    builder = rich_export(tmp_path / "outer", "slack-export")
    builder.write()
    direct = new_db("direct")
    nested = new_db("nested")
    run(direct, builder.folder)
    run(nested, tmp_path / "outer")
    assert table_rows(nested, ACTIVITY, without=("id",)) == table_rows(
        direct, ACTIVITY, without=("id",)
    )


# --- 6. idempotency and parallel import ---------------------------------------------------------


def test_reimporting_adds_nothing(tmp_path: Path, engine: Engine) -> None:
    folder = rich_export(tmp_path).write()
    first = run(engine, folder)
    counts = row_counts(engine)
    before = snapshot(engine)
    again = run(engine, folder)
    assert first.new > 0
    assert again.new == 0
    assert again.found == first.found
    assert again.already_stored == sum(first.found.values())
    assert row_counts(engine) == counts
    assert snapshot(engine) == before


def test_parallel_import_stores_the_same_rows(
    tmp_path: Path, new_db: Callable[[str], Engine]
) -> None:
    archive = rich_export(tmp_path).zip(tmp_path / "export.zip")
    serial, parallel = new_db("serial"), new_db("parallel")
    serial_report = run(serial, archive, jobs=1)
    calls: list[tuple[int, int]] = []
    parallel_report = run(parallel, archive, jobs=2, progress=lambda d, n: calls.append((d, n)))
    assert snapshot(parallel) == snapshot(serial)
    assert parallel_report.new == serial_report.new > 0
    assert parallel_report.skipped == serial_report.skipped
    assert calls[-1] == (8, 8)

    # A malformed day file parsed in a worker process still aborts cleanly with an ExportError.
    bad = rich_export(tmp_path, "bad").file(f"random/{DAY3}.json", "[{").write()
    before = snapshot(parallel)
    with pytest.raises(ExportError, match=f"random/{DAY3}.json: malformed JSON"):
        run(parallel, bad, jobs=2)
    assert snapshot(parallel) == before


# --- 7. rollups ---------------------------------------------------------------------------------


def test_rollups_match_the_activities(tmp_path: Path, engine: Engine) -> None:
    starter = t(10)
    folder = (
        community(tmp_path)
        .day(
            "general",
            DAY1,
            [
                msg(
                    "U1",
                    starter,
                    "Is the new pipeline working?",
                    thread_ts=starter,
                    reactions=reactions({"+1": ["U2", "U3"], "tada": ["U2"]}),
                ),
                reply("U2", t(20), starter, "U1", "Yes, it is great"),
                msg("U2", t(30), "<@U1> <@U3> look"),
                msg("U3", t(40), "", subtype="channel_join"),
            ],
        )
        .day(
            "general",
            DAY2,
            [
                reply("U3", t(10, DAY2), starter, "U1", "It is broken for me"),
            ],
        )
        .write()
    )
    run(engine, folder)

    member_day = {
        r[:3]: r[3:9] for r in table_rows(engine, MEMBER_CHANNEL_DAY, columns=MEMBER_DAY_COLUMNS)
    }  # (member, channel, day) -> (message, reply, reaction, mention, join, survey_answer)
    assert member_day == {
        ("U1", "C1", D1): (1, 0, 0, 0, 0, 0),
        ("U2", "C1", D1): (1, 1, 2, 2, 0, 0),
        ("U3", "C1", D1): (0, 0, 1, 0, 1, 0),
        ("U3", "C1", D2): (0, 1, 0, 0, 0, 0),
    }
    assert table_rows(engine, PAIR_CHANNEL_DAY, columns=PAIR_DAY_COLUMNS) == [
        # source, target, channel, day, reply, reaction, mention
        ("U2", "U1", "C1", D1, 1, 2, 1),
        ("U2", "U3", "C1", D1, 0, 0, 1),
        ("U3", "U1", "C1", D1, 0, 1, 0),
        ("U3", "U1", "C1", D2, 1, 0, 0),
    ]

    # And in general: member_day is exactly the activities grouped by (actor, channel, day).
    with engine.connect() as conn:
        activity = conn.execute(
            select(
                ACTIVITY.c.actor,
                ACTIVITY.c.channel,
                ACTIVITY.c.day,
                ACTIVITY.c.kind,
                ACTIVITY.c.sentiment,
            )
        ).all()
    kinds = ["message", "reply", "reaction", "mention", "join", "survey_answer"]
    expected: dict[tuple[str, str, int], list[float]] = defaultdict(lambda: [0.0] * 8)
    for actor, channel, day, kind, sentiment in activity:
        counts = expected[(actor, channel, day)]
        counts[kinds.index(kind)] += 1
        if sentiment is not None:
            counts[6] += sentiment
            counts[7] += 1
    actual = {
        r[:3]: list(r[3:])
        for r in table_rows(engine, MEMBER_CHANNEL_DAY, columns=MEMBER_DAY_COLUMNS)
    }
    assert actual.keys() == expected.keys()
    for key, values in expected.items():
        assert actual[key] == pytest.approx(values)

    # The global rollups are the channel rollups summed over channels.
    summed: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0.0] * 8)
    for (member, _channel, day), values in actual.items():
        summed[(member, day)] = [a + b for a, b in zip(summed[(member, day)], values, strict=True)]
    global_rows = {
        r[:2]: list(r[2:])
        for r in table_rows(
            engine, MEMBER_DAY, columns=tuple(c for c in MEMBER_DAY_COLUMNS if c != "channel_id")
        )
    }
    assert global_rows == {k: pytest.approx(v) for k, v in summed.items()}
    pair_global = table_rows(
        engine, PAIR_DAY, columns=tuple(c for c in PAIR_DAY_COLUMNS if c != "channel_id")
    )
    assert pair_global == [
        ("U2", "U1", D1, 1, 2, 1),
        ("U2", "U3", D1, 0, 0, 1),
        ("U3", "U1", D1, 0, 1, 0),
        ("U3", "U1", D2, 1, 0, 0),
    ]


# --- 8. bad input changes nothing ---------------------------------------------------------------


def _missing(tmp_path: Path) -> tuple[Path, list[str]]:
    path = tmp_path / "no-such-export.zip"
    return path, [str(path), "no such file"]


def _text_file(tmp_path: Path) -> tuple[Path, list[str]]:
    path = tmp_path / "export.zip"
    path.write_text("these are my notes, not a zip\n")
    return path, [str(path), "not a zip file"]


def _truncated_zip(tmp_path: Path) -> tuple[Path, list[str]]:
    path = rich_export(tmp_path, "bad").zip(tmp_path / "bad.zip")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path, [str(path), "truncated"]


def _damaged_zip_member(tmp_path: Path) -> tuple[Path, list[str]]:
    builder = rich_export(tmp_path, "bad")
    builder.day("general", DAY3, [msg("U1", t(1, DAY3), "UNIQUE-MARKER-TEXT")])
    path = tmp_path / "bad.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, content in builder.entries().items():
            archive.writestr(name, content)
    data = path.read_bytes()
    path.write_bytes(data.replace(b"UNIQUE-MARKER-TEXT", b"UNIQUE-MARKER-TEXt"))
    return path, [str(path), f"general/{DAY3}.json"]


def _malformed_day_file(tmp_path: Path) -> tuple[Path, list[str]]:
    # Good files (with new members, a renamed member and a new channel) come before the bad one,
    # so that anything written before the failure would show.
    builder = (
        rich_export(tmp_path, "bad")
        .user("U9", "newcomer")
        .channel("C9", "aaa-first", members=["U9"])
        .day("aaa-first", DAY1, [msg("U9", t(1), "hello <@U1>")])
        .file(f"general/{DAY3}.json", '[{"type": "message", "ts": "1780444800.0001", ')
    )
    assert builder.users is not None
    builder.users[0]["name"] = "ada-renamed"
    return builder.write(), [f"general/{DAY3}.json", "malformed JSON"]


def _without_users_json(tmp_path: Path) -> tuple[Path, list[str]]:
    return rich_export(tmp_path, "bad").without_users().write(), ["users.json is missing"]


def _users_not_a_list(tmp_path: Path) -> tuple[Path, list[str]]:
    path = rich_export(tmp_path, "bad").write()
    (path / "users.json").write_text(json.dumps({"U1": {"name": "ada"}}))
    return path, ["users.json", "expected a list"]


@pytest.mark.parametrize(
    "make_bad",
    [
        _missing,
        _text_file,
        _truncated_zip,
        _damaged_zip_member,
        _malformed_day_file,
        _without_users_json,
        _users_not_a_list,
    ],
)
def test_bad_input_raises_export_error_and_changes_nothing(
    tmp_path: Path, engine: Engine, make_bad: Callable[[Path], tuple[Path, list[str]]]
) -> None:
    good = (
        community(tmp_path, "good")
        .day(
            "general",
            DAY1,
            [
                msg("U1", t(1), "hello", thread_ts=t(1), reactions=reactions({"+1": ["U2"]})),
                reply("U2", t(2), t(1), "U1", "hi <@U3>"),
            ],
        )
        .write()
    )
    assert run(engine, good).new == 4
    counts, keys, before = row_counts(engine), set(stored(engine)), snapshot(engine)

    path, fragments = make_bad(tmp_path)
    with pytest.raises(ExportError) as raised:
        run(engine, path)
    message = str(raised.value)
    for fragment in fragments:
        assert fragment in message, message
    assert row_counts(engine) == counts
    assert set(stored(engine)) == keys
    assert snapshot(engine) == before


def test_rerun_after_fixing_the_malformed_file(tmp_path: Path, engine: Engine) -> None:
    folder, _ = _malformed_day_file(tmp_path)
    with pytest.raises(ExportError):
        run(engine, folder)
    assert row_counts(engine)["activity"] == 0
    (folder / "general" / f"{DAY3}.json").write_text(json.dumps([msg("U1", t(5, DAY3), "fixed")]))
    report = run(engine, folder)
    assert report.new > 0
    activities = stored(engine)
    assert activities[f"post:C1:{t(5, DAY3)}"] == ("message", "U1", None, "C1")
    assert activities[f"mention:C9:{t(1)}:U1"] == ("mention", "U9", "U1", "C9")
    with engine.connect() as conn:
        assert conn.execute(select(MEMBER.c.name).where(MEMBER.c.id == "U1")).scalar_one() == (
            "ada-renamed"
        )


# --- 9. unknown users ---------------------------------------------------------------------------


def test_unknown_users_still_import_and_get_a_member_row(tmp_path: Path, engine: Engine) -> None:
    folder = (
        community(tmp_path)
        .day(
            "general",
            DAY1,
            [
                msg("U9", t(1), "I am not in users.json"),
                reply("U1", t(2), t(0), "U8", "replying to a deleted account's thread"),
                msg("U1", t(3), "hi <@U7>", reactions=reactions({"wave": ["U6"]})),
            ],
        )
        .write()
    )
    run(engine, folder)
    assert stored(engine) == {
        f"post:C1:{t(1)}": ("message", "U9", None, "C1"),
        f"post:C1:{t(2)}": ("reply", "U1", "U8", "C1"),
        f"post:C1:{t(3)}": ("message", "U1", None, "C1"),
        f"mention:C1:{t(3)}:U7": ("mention", "U1", "U7", "C1"),
        f"react:C1:{t(3)}:U6:wave": ("reaction", "U6", "U1", "C1"),
    }
    with engine.connect() as conn:
        members = {
            r.id: (r.name, r.is_bot)
            for r in conn.execute(select(MEMBER.c.id, MEMBER.c.name, MEMBER.c.is_bot))
        }
    assert members == {
        "U1": ("ada", False),
        "U2": ("bob", False),
        "U3": ("carol", False),
        "UBOT": ("deploybot", True),
        "U6": ("U6", False),
        "U7": ("U7", False),
        "U8": ("U8", False),
        "U9": ("U9", False),
    }


# --- 10. sentiment and text ---------------------------------------------------------------------


def _sentiment_export(tmp_path: Path) -> Path:
    return (
        community(tmp_path)
        .day(
            "general",
            DAY1,
            [
                msg("U1", t(1), "I love this platform, it is wonderful and works great!"),
                msg("U2", t(2), "This is terrible and awful, I hate it."),
                msg("U3", t(3), ""),
            ],
        )
        .write()
    )


def _sentiment_and_text(engine: Engine) -> dict[str, tuple[float | None, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(select(ACTIVITY.c.actor, ACTIVITY.c.sentiment, ACTIVITY.c.text))
        return {r.actor: (r.sentiment, r.text) for r in rows}


def test_sentiment_is_stored_but_text_is_not_by_default(tmp_path: Path, engine: Engine) -> None:
    run(engine, _sentiment_export(tmp_path))
    rows = _sentiment_and_text(engine)
    positive, negative, empty = rows["U1"], rows["U2"], rows["U3"]
    assert positive[0] is not None
    assert positive[0] > 0
    assert negative[0] is not None
    assert negative[0] < 0
    assert empty[0] is None
    assert {text_ for _, text_ in rows.values()} == {None}


def test_text_is_stored_with_store_text(tmp_path: Path, engine: Engine) -> None:
    run(engine, _sentiment_export(tmp_path), store_text=True)
    rows = _sentiment_and_text(engine)
    assert rows["U1"][1] == "I love this platform, it is wonderful and works great!"
    assert rows["U2"][1] == "This is terrible and awful, I hate it."
    assert rows["U1"][0] is not None
    assert rows["U1"][0] > 0


# --- 11. progress -------------------------------------------------------------------------------


def test_progress_reports_every_day_file(tmp_path: Path, engine: Engine) -> None:
    calls: list[tuple[int, int]] = []
    report = run(engine, rich_export(tmp_path).write(), progress=lambda d, n: calls.append((d, n)))
    assert report.files == 8
    assert calls == [(i, 8) for i in range(1, 9)]


# --- property: junk day files -------------------------------------------------------------------

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["U1", "U2", "UBOT", "USLACKBOT", "", "<@U1>", "<@U2|bob>", "message"]),
)
_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
_timestamps = st.sampled_from(["1780272000.000100", "1780272060.000200", "1464825600.5", "1"])
_ids = st.sampled_from(["U1", "U2", "U3", "UBOT", "U9"])
_subtypes = st.sampled_from(
    ["channel_join", "thread_broadcast", "me_message", "bot_message", "file_share", "tombstone"]
)
_message_keys = {
    "type": st.sampled_from(["message", "event"]) | _scalars,
    "ts": _timestamps | _scalars,
    "user": _ids | _scalars,
    "text": st.sampled_from(["hi <@U2>", "<@U1|ada> great", "awful"]) | _scalars,
    "subtype": _subtypes | _scalars,
    "thread_ts": _timestamps | _scalars,
    "parent_user_id": _ids | _scalars,
    "bot_id": _scalars,
    "reactions": st.lists(
        st.fixed_dictionaries(
            {
                "name": st.sampled_from(["+1", "tada"]) | _scalars,
                "users": st.lists(_ids | _scalars, max_size=3) | _json,
            }
        ),
        max_size=3,
    )
    | _json,
}


def _junk_messages(values: Callable[[str, Any], Any]) -> Any:
    """Day-file contents: mostly message-shaped objects (a ts and a user, any other keys), some
    objects with any subset of the keys, and plain JSON junk."""
    fields = {key: values(key, strategy) for key, strategy in _message_keys.items()}
    required = {key: fields[key] for key in ("ts", "user")}
    shaped = st.fixed_dictionaries(
        required, optional={k: v for k, v in fields.items() if k not in required}
    )
    loose = st.fixed_dictionaries({}, optional=fields)
    return st.lists(st.one_of(shaped, shaped, loose, _json), max_size=8)


#: Junk anywhere, nested values included.
_any_junk = _junk_messages(lambda key, strategy: strategy | _json)
#: Junk whose id fields are scalars and whose timestamps are finite and Slack-sized; steers clear
#: of junk that used to crash the importer and checks everything else.
_scalar_junk = _junk_messages(
    lambda key, strategy: (
        _timestamps | st.text(alphabet="0123456789.ab-", max_size=12)
        if key in ("ts", "thread_ts")
        else strategy
    )
)


def _import_junk(tmp_root: Path, day_files: list[Any]) -> None:
    root = Path(tempfile.mkdtemp(dir=tmp_root))
    try:
        engine = make_engine(f"sqlite:///{root}/t.db")
        upgrade(engine)
        builder = community(root).user("USLACKBOT", "slackbot")
        for i, messages in enumerate(day_files):
            builder.day("general", f"2026-06-0{i + 1}", messages)
        folder = builder.write()
        with contextlib.suppress(ExportError):  # the only exception allowed
            run(engine, folder)
        with engine.connect() as conn:
            kinds = conn.execute(
                text("SELECT DISTINCT typeof(actor), typeof(key), typeof(channel) FROM activity")
            ).all()
        engine.dispose()
        assert set(kinds) <= {("text", "text", "text")}
    finally:
        shutil.rmtree(root, ignore_errors=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(day_files=st.lists(_scalar_junk, min_size=1, max_size=2))
def test_junk_day_files_only_ever_raise_export_error(
    tmp_path_factory: pytest.TempPathFactory, day_files: list[Any]
) -> None:
    _import_junk(tmp_path_factory.getbasetemp(), day_files)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(day_files=st.lists(_any_junk, min_size=1, max_size=2))
@example(day_files=[[{"ts": "1780272000.000100", "user": ["U1"], "text": "hi"}]])
def test_any_junk_day_file_only_ever_raises_export_error(
    tmp_path_factory: pytest.TempPathFactory, day_files: list[Any]
) -> None:
    _import_junk(tmp_path_factory.getbasetemp(), day_files)


@pytest.mark.parametrize(
    "entry",
    [
        {"ts": "1780272000.000100", "user": ["U1"], "text": "hi"},
        {"ts": "1780272000.000100", "user": {"id": "U1"}, "text": "hi"},
        {"ts": "1780272000.000100", "user": "U1", "subtype": ["channel_join"]},
    ],
)
def test_non_string_user_or_subtype_is_skipped_not_a_crash(
    tmp_path: Path, engine: Engine, entry: dict[str, Any]
) -> None:
    folder = community(tmp_path).day("general", DAY1, [entry, msg("U2", t(5), "ok")]).write()
    run(engine, folder)
    assert f"post:C1:{t(5)}" in stored(engine)


@pytest.mark.parametrize("ts", ["nan", "inf", "1e300"])
def test_non_finite_timestamp_is_skipped_not_a_crash(
    tmp_path: Path, engine: Engine, ts: str
) -> None:
    folder = (
        community(tmp_path)
        .day("general", DAY1, [msg("U1", ts, "hi"), msg("U2", t(5), "ok")])
        .write()
    )
    report = run(engine, folder)
    assert set(stored(engine)) == {f"post:C1:{t(5)}"}
    assert report.skipped["malformed messages"] == 1


def test_a_stored_message_is_not_reported_as_skipped(tmp_path: Path, engine: Engine) -> None:
    folder = community(tmp_path).day("general", DAY1, [msg("U1", t(1), "hi", subtype="")]).write()
    report = run(engine, folder)
    is_stored = bool(stored(engine))
    is_reported_skipped = sum(report.skipped.values()) > 0
    assert is_stored != is_reported_skipped, (stored(engine), report.skipped)
