"""The synthetic Slack export: valid like a real one, deterministic, and showing the personas."""

from __future__ import annotations

import json
import re
import statistics
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.demo.generator import (
    DEMO,
    UNLISTED_CHANNEL,
    CommunityProfile,
    ExportStats,
    Persona,
    generate_export,
    member_personas,
    zip_export,
)

END = date(2026, 6, 30)
SMALL = CommunityProfile(members=70, channels=3, days=75, messages=2000, seed=11)
TS = re.compile(r"^\d{10}\.\d{6}$")
MENTION = re.compile(r"<@(U[A-Z0-9]+)>")
SYSTEM = {"channel_join", "channel_topic", "channel_purpose", "bot_message"}


@dataclass
class Export:
    """An export read back: everything the assertions need, parsed once."""

    root: Path
    stats: ExportStats
    users: list[dict[str, Any]]
    channels: list[dict[str, Any]]
    # channel folder name -> day file name -> messages as written
    files: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)

    def messages(self, folder: str | None = None) -> list[dict[str, Any]]:
        folders = [folder] if folder else sorted(self.files)
        return [m for f in folders for day in sorted(self.files[f]) for m in self.files[f][day]]


def read_export(root: Path, stats: ExportStats) -> Export:
    export = Export(
        root=root,
        stats=stats,
        users=json.loads((root / "users.json").read_text(encoding="utf-8")),
        channels=json.loads((root / "channels.json").read_text(encoding="utf-8")),
    )
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        export.files[folder.name] = {
            f.name: json.loads(f.read_text(encoding="utf-8")) for f in sorted(folder.iterdir())
        }
    return export


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Export:
    root = tmp_path_factory.mktemp("export") / "slack"
    return read_export(root, generate_export(root, SMALL, end=END))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Export:
    root = tmp_path_factory.mktemp("demo") / "slack"
    return read_export(root, generate_export(root, DEMO, end=END))


def personas_of(profile: CommunityProfile) -> dict[Persona, set[str]]:
    out: dict[Persona, set[str]] = defaultdict(set)
    for uid, persona in member_personas(profile).items():
        out[persona].add(uid)
    return out


def is_reply(m: dict[str, Any]) -> bool:
    return "thread_ts" in m and m["thread_ts"] != m["ts"]


def is_human(m: dict[str, Any]) -> bool:
    return m.get("subtype") in (None, "thread_broadcast") and "bot_id" not in m


# -- files and format -------------------------------------------------------------------------


def test_files_exist_and_parse(export: Export) -> None:
    for name in ("integration_logs.json", "canvases.json", "huddle_transcripts.json"):
        assert isinstance(json.loads((export.root / name).read_text(encoding="utf-8")), list)
    listed = {c["name"] for c in export.channels}
    assert listed == {"general", "help-platform", "random", "platform-team"}
    assert set(export.files) == listed | {UNLISTED_CHANNEL}
    first = END - timedelta(days=SMALL.days - 1)
    for folder, days in export.files.items():
        assert days, folder
        for name, msgs in days.items():
            day = date.fromisoformat(name.removesuffix(".json"))
            assert first <= day <= END
            assert isinstance(msgs, list)
            assert msgs
            for m in msgs:
                assert m["type"] == "message"
                assert TS.match(m["ts"]), m["ts"]
                when = datetime.fromtimestamp(float(m["ts"]), tz=UTC).date()
                assert when == day, (folder, name, m["ts"])


def test_users_like_a_real_export(export: Export) -> None:
    ids = [u["id"] for u in export.users]
    assert len(ids) == len(set(ids)) == SMALL.members + 2 == export.stats.users
    names = [u["name"] for u in export.users]
    assert len(names) == len(set(names))
    humans = [u for u in export.users if u["id"] in member_personas(SMALL)]
    assert len(humans) == SMALL.members
    assert all(re.fullmatch(r"U0[A-Z0-9]{8}", u["id"]) for u in humans)
    assert all(u["team_id"] == "T0DEMO" and u["profile"]["real_name"] for u in export.users)
    assert len({u["real_name"].split()[0] for u in humans}) > 20
    assert [u["is_bot"] for u in export.users].count(True) == 1
    assert "USLACKBOT" in ids
    assert sum(u["deleted"] for u in export.users) == 1


def test_channels_like_a_real_export(export: Export) -> None:
    users = {u["id"] for u in export.users}
    for ch in export.channels:
        assert re.fullmatch(r"C0[A-Z0-9]{8}", ch["id"])
        assert set(ch["members"]) <= users
        assert ch["creator"] in users
        assert isinstance(ch["created"], int)
        assert {"value", "creator", "last_set"} <= set(ch["topic"]) | set(ch["purpose"])
        first = min(float(m["ts"]) for m in export.messages(ch["name"]))
        assert ch["created"] <= first
    assert [c["is_general"] for c in export.channels].count(True) == 1


def test_every_message_user_exists(export: Export) -> None:
    users = {u["id"] for u in export.users}
    authors = {m["user"] for m in export.messages() if "user" in m}
    assert authors <= users
    assert all("user" in m or m.get("subtype") == "bot_message" for m in export.messages())


def test_ts_unique_per_channel_and_sorted_in_files(export: Export) -> None:
    for folder, days in export.files.items():
        seen: set[str] = set()
        for msgs in days.values():
            stamps = [m["ts"] for m in msgs]
            assert stamps == sorted(stamps, key=float)
            assert not seen & set(stamps)
            seen |= set(stamps)
            assert len(seen) == len(set(seen))
        assert sum(len(v) for v in days.values()) == len(seen), folder


def test_replies_point_at_parents(export: Export) -> None:
    replies = 0
    for folder in export.files:
        by_ts = {m["ts"]: m for m in export.messages(folder)}
        for m in by_ts.values():
            if not is_reply(m):
                continue
            replies += 1
            parent = by_ts[m["thread_ts"]]
            assert float(parent["ts"]) < float(m["ts"])
            assert m["parent_user_id"] == parent["user"]
            assert {"user": m["user"], "ts": m["ts"]} in parent["replies"]
            lag = float(m["ts"]) // 86_400 - float(parent["ts"]) // 86_400
            assert 0 <= lag <= 2
        for m in by_ts.values():
            if "replies" in m:
                assert m["thread_ts"] == m["ts"]
                assert m["reply_count"] == len(m["replies"])
                assert m["latest_reply"] == m["replies"][-1]["ts"]
                assert m["reply_users_count"] == len(set(m["reply_users"]))
                assert set(m["reply_users"]) == {r["user"] for r in m["replies"]}
                assert all(r["ts"] in by_ts for r in m["replies"])
    assert replies == export.stats.replies > 0


def test_reactors_are_never_the_author(export: Export) -> None:
    reactions = 0
    for m in export.messages():
        for r in m.get("reactions", []):
            assert m["user"] not in r["users"]
            assert r["count"] == len(r["users"]) == len(set(r["users"]))
            reactions += r["count"]
    assert reactions == export.stats.reactions > 0


def test_platform_channel_members_are_exactly_the_team(export: Export) -> None:
    team = personas_of(SMALL)[Persona.TEAM]
    assert len(team) == SMALL.team_size
    platform = next(c for c in export.channels if c["name"] == "platform-team")
    assert set(platform["members"]) == team
    assert {m["user"] for m in export.messages("platform-team")} <= team
    for ch in export.channels:
        assert team <= set(ch["members"])


def test_silent_members_never_act(export: Export) -> None:
    silent = personas_of(SMALL)[Persona.SILENT]
    assert len(silent) == round(SMALL.silent_share * (SMALL.members - SMALL.team_size))
    listed = {u for c in export.channels for u in c["members"]}
    assert silent <= listed
    for m in export.messages():
        assert m.get("user") not in silent
        assert not silent & set(MENTION.findall(m.get("text", "")))
        for r in m.get("reactions", []):
            assert not silent & set(r["users"])


def test_system_messages_and_odd_bits_are_present(export: Export) -> None:
    msgs = export.messages()
    subtypes = {m.get("subtype") for m in msgs}
    assert SYSTEM | {"thread_broadcast"} <= subtypes
    joins = [m for m in msgs if m.get("subtype") == "channel_join"]
    assert all(m["text"] == f"<@{m['user']}> has joined the channel" for m in joins)
    bot = next(u for u in export.users if u["is_bot"])
    assert any(m.get("user") == bot["id"] for m in msgs)
    assert any(m.get("user") == "USLACKBOT" for m in msgs)
    uploads = [m for m in msgs if "files" in m]
    assert uploads
    assert len(uploads) == export.stats.files
    assert all(m["upload"] is True and m["files"][0]["id"].startswith("F") for m in uploads)
    humans = [m for m in msgs if is_human(m)]
    assert sum(len(MENTION.findall(m["text"])) for m in humans) == export.stats.mentions > 0


def test_unlisted_channel_folder(export: Export) -> None:
    assert UNLISTED_CHANNEL not in {c["name"] for c in export.channels}
    assert export.messages(UNLISTED_CHANNEL)


def test_stats_match_what_was_written(export: Export) -> None:
    assert export.stats.messages == len(export.messages())
    assert export.stats.channels == len(export.channels)


# -- size -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "profile",
    [
        CommunityProfile(members=40, channels=2, days=30, messages=600, seed=3),
        CommunityProfile(members=120, channels=5, days=90, messages=3000, seed=5),
        SMALL,
    ],
)
def test_message_count_near_profile(tmp_path: Path, profile: CommunityProfile) -> None:
    stats = generate_export(tmp_path / "x", profile, end=END)
    assert abs(stats.messages - profile.messages) <= 0.1 * profile.messages
    assert 0.22 <= stats.replies / stats.messages <= 0.36


def test_demo_size(demo: Export) -> None:
    assert abs(demo.stats.messages - DEMO.messages) <= 0.1 * DEMO.messages
    assert demo.stats.users == DEMO.members + 2
    assert demo.stats.channels == DEMO.channels + 1


# -- determinism ------------------------------------------------------------------------------


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_deterministic(tmp_path: Path) -> None:
    a = generate_export(tmp_path / "a", SMALL, end=END)
    b = generate_export(tmp_path / "b", SMALL, end=END)
    assert a == b
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")
    other = CommunityProfile(SMALL.members, SMALL.channels, SMALL.days, SMALL.messages, seed=12)
    generate_export(tmp_path / "c", other, end=END)
    assert snapshot(tmp_path / "c") != snapshot(tmp_path / "a")


def test_refuses_a_non_empty_destination(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("x")
    with pytest.raises(FileExistsError):
        generate_export(tmp_path, SMALL, end=END)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_rejects_impossible_profiles(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="members"):
        generate_export(tmp_path / "x", CommunityProfile(6, 1, 10, 100), end=END)


def test_zip_export_has_slack_layout(export: Export, tmp_path: Path) -> None:
    target = tmp_path / "export.zip"
    zip_export(export.root, target)
    with zipfile.ZipFile(target) as zf:
        names = zf.namelist()
        assert "users.json" in names
        assert "channels.json" in names
        assert json.loads(zf.read("users.json")) == export.users
    assert set(names) == set(snapshot(export.root))
    assert any(re.fullmatch(r"general/\d{4}-\d{2}-\d{2}\.json", n) for n in names)
    again = tmp_path / "again.zip"
    zip_export(export.root, again)
    assert again.read_bytes() == target.read_bytes()


# -- realism: the personas must be visible in the data ----------------------------------------


@dataclass
class Activity:
    days: set[int] = field(default_factory=set)
    posts: int = 0
    replies: int = 0
    responders: set[str] = field(default_factory=set)  # others who replied, reacted, mentioned


def activity(export: Export, team: set[str]) -> dict[str, Activity]:
    """Per member: active days, posts, and which non-team members responded to them."""
    out: dict[str, Activity] = defaultdict(Activity)
    for folder in export.files:
        by_ts = {m["ts"]: m for m in export.messages(folder)}
        for m in by_ts.values():
            if not is_human(m):
                continue
            user, day = m["user"], int(float(m["ts"]) // 86_400)
            out[user].days.add(day)
            out[user].posts += 1
            out[user].replies += is_reply(m)
            if is_reply(m) and user not in team and m["parent_user_id"] != user:
                out[m["parent_user_id"]].responders.add(user)
            for target in MENTION.findall(m["text"]):
                if user not in team and target != user:
                    out[target].responders.add(user)
            for r in m.get("reactions", []):
                for reactor in r["users"]:
                    out[reactor].days.add(day)
                    if reactor not in team:
                        out[user].responders.add(reactor)
    return out


def test_personas_show_in_the_data(demo: Export) -> None:
    groups = personas_of(DEMO)
    acts = activity(demo, groups[Persona.TEAM])

    def median(persona: Persona, metric: str) -> float:
        values: list[float] = []
        for u in groups[persona]:
            a = acts[u]
            values.append(
                {
                    "days": len(a.days),
                    "posts": a.posts,
                    "replies": a.replies,
                    "reach": len(a.responders),
                }[metric]
            )
        return statistics.median(values)

    # Multipliers: steady posters that many different people respond to.
    assert median(Persona.MULTIPLIER, "reach") >= 10
    assert median(Persona.MULTIPLIER, "days") >= 0.4 * DEMO.days
    # Fans: steady posters that hardly anyone from the community responds to.
    assert median(Persona.FAN, "posts") >= 3 * median(Persona.OBSERVER, "posts")
    assert median(Persona.FAN, "reach") <= 2
    # Sceptics: post on few days, but draw many people.
    assert median(Persona.SCEPTIC, "posts") < median(Persona.FAN, "posts")
    assert median(Persona.SCEPTIC, "reach") >= 8
    # Observers: rare posts, low reach.
    assert median(Persona.OBSERVER, "reach") <= 1
    # The team answers more than anyone.
    assert median(Persona.TEAM, "replies") > 2 * median(Persona.MULTIPLIER, "replies")


def test_someone_is_pulled_in_and_a_multiplier_drifts_away(demo: Export) -> None:
    groups = personas_of(DEMO)
    first: dict[str, tuple[float, dict[str, Any]]] = {}
    for m in demo.messages():
        if "user" in m:
            first[m["user"]] = min(first.get(m["user"], (float("inf"), m)), (float(m["ts"]), m))
    pulled = [
        u
        for u, (_, m) in first.items()
        if u not in groups[Persona.TEAM] and is_reply(m) and m["parent_user_id"] != u
    ]
    assert pulled
    last: dict[str, float] = {}
    for m in demo.messages():
        if "user" in m:
            last[m["user"]] = max(last.get(m["user"], 0.0), float(m["ts"]))
    cutoff = datetime(END.year, END.month, END.day, tzinfo=UTC).timestamp() - 30 * 86_400
    assert any(last[u] < cutoff for u in groups[Persona.MULTIPLIER])


def test_text_varies_and_rarely_repeats(demo: Export) -> None:
    texts = [m["text"] for m in demo.messages() if is_human(m) and m["text"]]
    assert len(set(texts)) >= 0.97 * len(texts)
