"""Teams activities → core types: messages, mentions, replies, reactions, members, card submits;
malformed activities raise ActivityError naming what is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.adapters.teams.references import Reference, ReferenceStore, load_references
from bot.adapters.teams.translate import (
    ActivityError,
    Ignored,
    Installation,
    MembersChanged,
    Message,
    MessageDeleted,
    MessageEdited,
    ReactionChange,
    Submit,
    emoji_name,
    message_ts,
    parse,
    slug,
)
from bot.core.model import ChatMessage
from tests.adapters.teams.harness import BOT, GENERAL, TEAM_ID, Teams

teams = Teams("https://smba.trafficmanager.net/emea/")


def test_a_channel_message_with_mentions() -> None:
    body = teams.message("U1", "thanks &amp; <b>welcome</b>", mentions=["U2"], mention_bot=True)
    event = parse(body)
    assert isinstance(event, Message)
    assert event.where.channel_id == GENERAL
    assert event.where.channel_name == "general"
    assert event.where.kind == "channel"
    assert event.where.bot_id == BOT
    assert event.where.tenant_id == "tenant-1"
    assert event.sender.member_id == "U1"
    assert event.sender.teams_id == "29:U1"
    assert event.mentions_bot
    assert event.text == "thanks &amp; welcome <@U2>"  # escaped like Slack's text
    assert event.chat == ChatMessage(
        channel=GENERAL,
        ts=str(message_ts(body["id"])),
        user="U1",
        text="thanks &amp; welcome <@U2>",
    )
    assert event.command is None  # mentioning the bot without "orbit" asks nothing


def test_a_reply_names_its_thread() -> None:
    body = teams.message("U2", "agreed", thread="1795417100123")
    event = parse(body)
    assert isinstance(event, Message)
    assert event.chat is not None
    assert event.chat.thread_ts == "1795417100.123"
    assert event.chat.is_reply
    # A thread's first message comes with its own id as the thread: not a reply.
    root = teams.message("U1", "hello")
    root["conversation"]["id"] += f";messageid={root['id']}"
    first = parse(root)
    assert isinstance(first, Message)
    assert first.chat is not None
    assert not first.chat.is_reply


@pytest.mark.parametrize(
    ("text", "mention_bot", "command"),
    [
        ("orbit me", True, "me"),
        ("orbit", True, ""),
        ("Orbit: survey pulse #general", True, "survey pulse #general"),
        ("orbit me", False, None),  # in a channel the bot must be asked
        ("what is orbit", True, None),
    ],
)
def test_orbit_in_a_channel(text: str, mention_bot: bool, command: str | None) -> None:
    event = parse(teams.message("U1", text, mention_bot=mention_bot))
    assert isinstance(event, Message)
    assert event.command == command


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("orbit me", "me"),
        ("/orbit help", "help"),
        ("hello?", "help"),
        ("orbit <at>Bob</at>", "<@UBOB>"),
        ("", None),
    ],
)
def test_orbit_in_a_personal_chat(text: str, command: str | None) -> None:
    body = teams.personal("U1", text)
    body["entities"] = [
        {
            "type": "mention",
            "text": "<at>Bob</at>",
            "mentioned": {"id": "29:bob", "name": "Bob", "aadObjectId": "ubob"},
        }
    ]
    event = parse(body)
    assert isinstance(event, Message)
    assert event.where.kind == "personal"
    assert event.chat is None  # personal chats are never recorded
    assert event.command == command


def test_mentions_without_object_id_are_resolved_or_named() -> None:
    body = teams.message("U1", "ping <at>Bob</at> and <at>Eve</at> in <at>Dev Ops</at>")
    body["entities"] = [
        {"type": "mention", "text": "<at>Bob</at>", "mentioned": {"id": "29:bob", "name": "Bob"}},
        {"type": "mention", "text": "<at>Eve</at>", "mentioned": {"id": "29:eve", "name": "Eve"}},
        {
            "type": "mention",
            "text": "<at>Dev Ops</at>",
            "mentioned": {"id": "19:devops@thread.tacv2", "name": "Dev Ops"},
        },
    ]
    event = parse(body, {"29:bob": "UBOB"}.get)
    assert isinstance(event, Message)
    assert event.text == "ping <@UBOB> and @Eve in #dev-ops"


def test_a_card_submit() -> None:
    event = parse(teams.submit("U1", {"action_id": "survey_answer:q:1"}, reply_to="17"))
    assert isinstance(event, Submit)
    assert event.data == {"action_id": "survey_answer:q:1"}
    assert event.reply_to == "17"
    assert not event.invoke
    executed = parse(teams.execute("U1", {"action_id": "x"}))
    assert isinstance(executed, Submit)
    assert executed.invoke
    assert executed.data == {"action_id": "x"}


def test_reactions() -> None:
    event = parse(teams.reaction("U3", "1795417200000", added=["like", "5️⃣"], removed=["heart"]))
    assert isinstance(event, ReactionChange)
    assert event.message_id == "1795417200000"
    assert event.message_ts == "1795417200.000"
    assert event.added == ("+1", "five")
    assert event.removed == ("heart",)
    assert event.sender.member_id == "U3"


def test_members_and_installation() -> None:
    event = parse(teams.members_added(["U4"], bot=True))
    assert isinstance(event, MembersChanged)
    assert [p.member_id for p in event.added] == ["U4"]
    assert event.bot_added
    installed = parse(
        teams.installed(channel=TEAM_ID, name=None, team=TEAM_ID, team_name="Platform Team")
    )
    assert isinstance(installed, Installation)
    assert installed.where.channel_name == "platform-team"  # General: the team's name
    renamed = teams.channel("conversationUpdate", "UADMIN")
    assert isinstance(parse(renamed), Ignored)


def test_edits_and_deletes() -> None:
    edit = teams.message("U1", "fixed typo")
    edit["type"] = "messageUpdate"
    edit["channelData"]["eventType"] = "editMessage"
    edited = parse(edit)
    assert isinstance(edited, MessageEdited)
    assert edited.chat.text == "fixed typo"
    delete = teams.channel("messageDelete", "U1")
    delete["channelData"]["eventType"] = "softDeleteMessage"
    deleted = parse(delete)
    assert isinstance(deleted, MessageDeleted)
    assert deleted.message_ts == message_ts(delete["id"])


def test_other_activities_are_ignored() -> None:
    typing = teams.channel("typing", "U1")
    assert parse(typing) == Ignored("typing")
    signin = teams.channel("invoke", "U1")
    signin["name"] = "signin/verifyState"
    assert parse(signin) == Ignored("invoke:signin/verifyState")


def _without(body: dict[str, Any], *path: str) -> dict[str, Any]:
    node = body
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return body


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ([], "not a JSON object"),
        ({}, "'type' is missing"),
        (_without(teams.message("U1", "x"), "conversation"), "'conversation' is missing"),
        (_without(teams.message("U1", "x"), "recipient"), "'recipient' is missing"),
        (_without(teams.message("U1", "x"), "serviceUrl"), "'serviceUrl' is missing"),
        (_without(teams.message("U1", "x"), "id"), "'id' is missing"),
        ({**teams.message("U1", "x"), "text": 3}, "'text' is not a string"),
        ({**teams.message("U1", "x"), "entities": {"a": 1}}, "'entities' is not a list"),
        (
            {**teams.reaction("U1", "1", added=["like"]), "timestamp": "yesterday"},
            "not an ISO date",
        ),
        (
            {**teams.message("U1", "x"), "from": {"id": "29:x", "aadObjectId": "A" * 65}},
            "longer than 64",
        ),
        (
            {**teams.reaction("U1", "1", added=["like"]), "reactionsAdded": [{"type": ""}]},
            "has no 'type'",
        ),
        (teams.reaction("U1", "1"), "without reactionsAdded or reactionsRemoved"),
        ({**teams.channel("invoke", "U1")}, "'name' is missing"),
        (
            {**teams.execute("U1", {}), "value": {"action": {"data": "x"}}},
            "'data' is not an object",
        ),
        (
            {
                **teams.message("U1", "x"),
                "conversation": {"id": "c", "conversationType": "meeting"},
            },
            "unknown conversationType",
        ),
    ],
)
def test_malformed_activities(body: Any, error: str) -> None:
    with pytest.raises(ActivityError, match=error):
        parse(body)


def test_helpers() -> None:
    assert slug("Platform Team") == "platform-team"
    assert slug("#Dev  Ops!") == "dev-ops"
    assert message_ts("1795417200123") == "1795417200.123"
    assert message_ts("f:123") is None
    assert emoji_name("laugh") == "laughing"
    assert emoji_name("1️⃣") == "one"
    assert emoji_name("tada") == "tada"


# --------------------------------------------------------------------------- references


def test_references_are_kept_in_a_json_file(tmp_path: Path) -> None:
    path = tmp_path / "refs" / "teams.json"
    store = ReferenceStore(path)
    ref = Reference(GENERAL, "https://smba/emea/", BOT, name="general", tenant_id="t")
    assert store.remember(GENERAL, ref)
    assert not store.remember(GENERAL, ref)  # unchanged: the file is not rewritten
    assert load_references(path) == {GENERAL: ref}
    assert ReferenceStore(path).get(GENERAL) == ref
    assert store.any_service_url() == "https://smba/emea/"
    assert store.forget(GENERAL)
    assert load_references(path) == {}


def test_unreadable_references_start_afresh(tmp_path: Path) -> None:
    path = tmp_path / "teams.json"
    path.write_text("{broken", encoding="utf-8")
    assert load_references(path) == {}
    path.write_text(
        '{"references": {"x": {"nope": 1}, "y": {"conversation_id": "c", '
        '"service_url": "s", "bot_id": "b"}}}',
        encoding="utf-8",
    )
    assert load_references(path) == {"y": Reference("c", "s", "b")}
