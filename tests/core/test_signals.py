from __future__ import annotations

import pytest

from bot.core.model import ChatMessage, Directory, Kind, Reaction
from bot.core.signals import activities_for_message, join_activity, mentions


def msg(**kw: object) -> ChatMessage:
    base: dict[str, object] = {"channel": "C1", "ts": "1700000000.000100", "user": "U1"}
    base.update(kw)
    return ChatMessage(**base)  # type: ignore[arg-type]


def kinds(acts: list) -> list[tuple[str, str, str | None]]:  # type: ignore[type-arg]
    return [(a.kind.value, a.actor, a.target) for a in acts]


DIR = Directory(bots={"UBOT"}, opted_out={"UOUT"}, self_id="UPULSE")


def test_top_level_message_is_a_message_with_sentiment() -> None:
    acts = activities_for_message(msg(text="great docs"), DIR, lambda t: 0.8)
    assert kinds(acts) == [("message", "U1", None)]
    assert acts[0].sentiment == 0.8
    assert acts[0].key == "post:C1:1700000000.000100"
    assert acts[0].ref == "C1:1700000000.000100"
    assert acts[0].text is None


def test_text_is_kept_only_when_asked() -> None:
    acts = activities_for_message(msg(text="hello"), DIR, store_text=True)
    assert acts[0].text == "hello"


def test_reply_targets_thread_starter_unless_own_thread() -> None:
    reply = msg(ts="2.0", thread_ts="1.0", parent_user="U2")
    assert kinds(activities_for_message(reply, DIR)) == [("reply", "U1", "U2")]
    own = msg(ts="2.0", thread_ts="1.0", parent_user="U1")
    assert kinds(activities_for_message(own, DIR)) == [("reply", "U1", None)]
    starter_given = msg(ts="2.0", thread_ts="1.0")
    acts = activities_for_message(starter_given, DIR, thread_starter="U3")
    assert kinds(acts) == [("reply", "U1", "U3")]


def test_thread_starter_itself_is_a_message() -> None:
    starter = msg(ts="1.0", thread_ts="1.0")
    assert kinds(activities_for_message(starter, DIR)) == [("message", "U1", None)]


def test_thread_broadcast_is_a_reply_with_the_same_key_as_the_thread_copy() -> None:
    broadcast = msg(ts="2.0", thread_ts="1.0", parent_user="U2", subtype="thread_broadcast")
    plain = msg(ts="2.0", thread_ts="1.0", parent_user="U2")
    a, b = activities_for_message(broadcast, DIR), activities_for_message(plain, DIR)
    assert kinds(a) == [("reply", "U1", "U2")]
    assert a[0].key == b[0].key


def test_mentions_parse_both_forms_and_skip_self_bots_and_the_bot() -> None:
    text = "hi <@U2> and <@u3|carol>, <@U2> again, me <@U1>, <@UBOT> <@UPULSE>"
    acts = activities_for_message(msg(text=text), DIR)
    assert kinds(acts) == [
        ("message", "U1", None),
        ("mention", "U1", "U2"),
        ("mention", "U1", "U3"),
    ]
    assert mentions("<!here> <#C1|general> no users") == []


def test_reactions_on_a_message_target_the_author_except_self_reactions() -> None:
    m = msg(reactions=(Reaction("tada", ("U2", "U1", "UBOT", "UOUT")), Reaction("eyes", ("U2",))))
    acts = activities_for_message(m, DIR)
    assert kinds(acts) == [
        ("message", "U1", None),
        ("reaction", "U2", "U1"),
        ("reaction", "U1", None),
        ("reaction", "U2", "U1"),
    ]
    assert len({a.key for a in acts}) == 4


@pytest.mark.parametrize(
    "subtype",
    [
        "bot_message",
        "file_share",
        "file_comment",
        "channel_purpose",
        "channel_topic",
        "channel_archive",
        "channel_leave",
        "pinned_item",
        "tombstone",
        "something_new",
    ],
)
def test_system_and_bot_subtypes_yield_nothing(subtype: str) -> None:
    assert activities_for_message(msg(subtype=subtype, text="<@U2>"), DIR) == []


def test_reactions_on_a_bot_message_still_count_for_the_reactor_without_target() -> None:
    m = msg(user=None, bot_id="B1", subtype="bot_message", reactions=(Reaction("+1", ("U2",)),))
    assert kinds(activities_for_message(m, DIR)) == [("reaction", "U2", None)]


@pytest.mark.parametrize("user", ["UBOT", "UOUT", "UPULSE", None])
def test_bots_opted_out_and_the_bot_itself_produce_nothing(user: str | None) -> None:
    assert activities_for_message(msg(user=user, text="hello <@U2>"), DIR) == []


def test_message_with_bot_id_is_ignored_even_with_a_user() -> None:
    assert activities_for_message(msg(bot_id="B1", text="deployed"), DIR) == []


def test_channel_join_is_a_join_keyed_like_member_joined_channel() -> None:
    acts = activities_for_message(msg(subtype="channel_join", text="<@U1> has joined"), DIR)
    assert kinds(acts) == [("join", "U1", None)]
    assert acts[0].key == join_activity("C1", "U1", 5.0).key
    assert activities_for_message(msg(subtype="channel_join", user="UOUT"), DIR) == []


def test_every_kind_in_the_design_is_known() -> None:
    assert {k.value for k in Kind} == {
        "message",
        "reply",
        "reaction",
        "mention",
        "join",
        "survey_answer",
    }
