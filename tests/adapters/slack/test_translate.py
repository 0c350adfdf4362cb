"""Slack payloads (users.json entries, channels.json entries, message objects) → core types."""

from __future__ import annotations

from typing import Any

import pytest

from bot.adapters.slack.translate import (
    PayloadError,
    channel_from_export,
    chat_message,
    member_from_user,
)
from bot.core.model import Channel, ChatMessage, Member, Reaction

# --- member_from_user ---------------------------------------------------------------------------


def test_member_takes_display_name_first() -> None:
    user = {
        "id": "U1",
        "name": "ada",
        "real_name": "Ada Lovelace (top)",
        "profile": {"display_name": "Ada L", "real_name": "Ada Lovelace"},
    }
    assert member_from_user(user) == Member(id="U1", name="Ada L", is_bot=False, deleted=False)


@pytest.mark.parametrize(
    ("user", "name"),
    [
        (
            {"id": "U1", "name": "ada", "profile": {"display_name": "", "real_name": "Ada P"}},
            "Ada P",
        ),
        (
            {"id": "U1", "name": "ada", "real_name": "Ada R", "profile": {"display_name": ""}},
            "Ada R",
        ),
        ({"id": "U1", "name": "ada", "profile": {}}, "ada"),
        ({"id": "U1", "name": "ada", "profile": "not a dict"}, "ada"),
        ({"id": "U1", "name": "", "profile": {"display_name": 7}}, "U1"),
        ({"id": "U1"}, "U1"),
    ],
)
def test_member_name_falls_back_through_the_profile(user: dict[str, Any], name: str) -> None:
    assert member_from_user(user).name == name


@pytest.mark.parametrize(
    ("user", "is_bot"),
    [
        ({"id": "U1", "name": "ada"}, False),
        ({"id": "U1", "name": "ada", "is_bot": False, "is_app_user": False}, False),
        ({"id": "UB", "name": "deploybot", "is_bot": True}, True),
        ({"id": "UA", "name": "app", "is_app_user": True}, True),
        ({"id": "USLACKBOT", "name": "slackbot", "is_bot": False}, True),
    ],
)
def test_member_is_bot_for_bots_apps_and_slackbot(user: dict[str, Any], is_bot: bool) -> None:
    assert member_from_user(user).is_bot is is_bot


def test_member_deleted_flag() -> None:
    assert member_from_user({"id": "U1", "name": "ada", "deleted": True}).deleted is True
    assert member_from_user({"id": "U1", "name": "ada"}).deleted is False


@pytest.mark.parametrize("user", [{}, {"id": ""}, {"id": None, "name": "x"}, {"id": 12}])
def test_member_without_an_id_is_a_payload_error(user: dict[str, Any]) -> None:
    with pytest.raises(PayloadError, match="id"):
        member_from_user(user)


# --- channel_from_export ------------------------------------------------------------------------


def test_channel_from_export_keeps_string_members() -> None:
    entry = {"id": "C1", "name": "general", "members": ["U1", "", None, 3, "U2"], "created": 1}
    assert channel_from_export(entry) == Channel(id="C1", name="general", members=("U1", "U2"))


@pytest.mark.parametrize("members", [None, []])
def test_channel_without_members(members: Any) -> None:
    entry: dict[str, Any] = {"id": "C1", "name": "general", "members": members}
    assert channel_from_export(entry).members == ()
    assert channel_from_export({"id": "C1", "name": "general"}).members == ()


@pytest.mark.parametrize(
    "entry",
    [{"name": "general"}, {"id": "C1"}, {"id": "", "name": "general"}, {"id": "C1", "name": 5}],
)
def test_channel_without_id_or_name_is_a_payload_error(entry: dict[str, Any]) -> None:
    with pytest.raises(PayloadError, match="'id' or 'name'"):
        channel_from_export(entry)


def test_channel_members_not_a_list_is_a_payload_error() -> None:
    with pytest.raises(PayloadError, match="general: 'members' is not a list"):
        channel_from_export({"id": "C1", "name": "general", "members": "U1,U2"})


# --- chat_message -------------------------------------------------------------------------------


def test_chat_message_reads_every_field() -> None:
    payload = {
        "type": "message",
        "ts": "1780272010.000200",
        "user": "U2",
        "text": "hi <@U1>",
        "thread_ts": "1780272000.000100",
        "parent_user_id": "U1",
        "reactions": [{"name": "tada", "users": ["U1", "U3"], "count": 2}],
        "edited": {"user": "U2", "ts": "1780272011.000000"},
    }
    message = chat_message("C1", payload)
    assert message == ChatMessage(
        channel="C1",
        ts="1780272010.000200",
        user="U2",
        text="hi <@U1>",
        subtype=None,
        thread_ts="1780272000.000100",
        parent_user="U1",
        bot_id=None,
        reactions=(Reaction(emoji="tada", users=("U1", "U3")),),
    )
    assert message.is_reply


def test_chat_message_thread_starter_is_not_a_reply() -> None:
    payload = {"ts": "1780272000.000100", "thread_ts": "1780272000.000100", "user": "U1"}
    message = chat_message("C1", payload)
    assert message.thread_ts == message.ts
    assert not message.is_reply


def test_chat_message_subtype_bot_id_and_missing_user() -> None:
    payload = {"ts": "1.5", "subtype": "bot_message", "bot_id": "B1", "username": "ci"}
    message = chat_message("C1", payload)
    assert (message.user, message.subtype, message.bot_id) == (None, "bot_message", "B1")
    assert message.text == ""
    assert message.reactions == ()


@pytest.mark.parametrize("text", [None, 42, ["a"], {"t": 1}])
def test_chat_message_non_string_text_is_empty(text: Any) -> None:
    assert chat_message("C1", {"ts": "1.0", "user": "U1", "text": text}).text == ""


@pytest.mark.parametrize(
    ("field", "value"),
    [("user", 5), ("user", ""), ("thread_ts", 1.0), ("parent_user_id", ["U1"]), ("subtype", {})],
)
def test_chat_message_non_string_ids_are_absent(field: str, value: Any) -> None:
    message = chat_message("C1", {"ts": "1.0", "user": "U1", field: value})
    attribute = {"parent_user_id": "parent_user"}.get(field, field)
    assert getattr(message, attribute) is None


@pytest.mark.parametrize("payload", [{}, {"ts": ""}, {"ts": None}, {"ts": 1780272000.0001}])
def test_chat_message_without_a_string_ts_is_a_payload_error(payload: dict[str, Any]) -> None:
    with pytest.raises(PayloadError, match="without a 'ts'"):
        chat_message("C1", {"user": "U1", **payload})


@pytest.mark.parametrize("ts", ["yesterday", "1780272000.0001a", "12:30", "--1"])
def test_chat_message_non_numeric_ts_is_a_payload_error(ts: str) -> None:
    with pytest.raises(PayloadError, match="not a Slack timestamp"):
        chat_message("C1", {"ts": ts, "user": "U1"})


@pytest.mark.parametrize("ts", ["nan", "inf", "-Infinity", "1e999", "1e300"])
def test_chat_message_non_finite_or_absurd_ts_is_a_payload_error(ts: str) -> None:
    with pytest.raises(PayloadError):
        chat_message("C1", {"ts": ts, "user": "U1"})


# --- reactions ----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [None, "tada", 3, {"name": "tada", "users": ["U1"]}])
def test_reactions_that_are_not_a_list_are_ignored(raw: Any) -> None:
    assert chat_message("C1", {"ts": "1.0", "user": "U1", "reactions": raw}).reactions == ()


def test_reactions_parsing_tolerates_junk_entries() -> None:
    raw = [
        "tada",  # not an object
        None,
        7,
        {"users": ["U2"]},  # no name
        {"name": "", "users": ["U2"]},  # empty name
        {"name": ["x"], "users": ["U2"]},  # name not a string
        {"name": "eyes"},  # no users list (only a count)
        {"name": "eyes", "users": "U2", "count": 1},  # users not a list
        {"name": "+1", "users": ["U2", None, 5, "", {"id": "U4"}, "U3"], "count": 6},
        {"name": "heart", "users": []},
    ]
    message = chat_message("C1", {"ts": "1.0", "user": "U1", "reactions": raw})
    assert message.reactions == (
        Reaction(emoji="+1", users=("U2", "U3")),
        Reaction(emoji="heart", users=()),
    )
