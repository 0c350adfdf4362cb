"""Block Kit views: core data in, Slack-valid, escaped, privacy-respecting blocks out."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from bot.adapters.slack.views import (
    MAX_ALT_TEXT,
    MAX_FIELDS,
    MAX_HEADER_TEXT,
    MAX_HOME_BLOCKS,
    MAX_MESSAGE_BLOCKS,
    MAX_SECTION_TEXT,
    MULTIPLIERS_SHOWN,
    Block,
    PrivacyAction,
    as_message,
    check_limits,
    clip_mrkdwn,
    error_blocks,
    escape_mrkdwn,
    fallback_text,
    help_blocks,
    home_view,
    member_blocks,
    privacy_blocks,
    refusal_blocks,
    summary_blocks,
    usage_blocks,
)
from bot.core.commands import USAGE
from bot.core.detail import Connection, MemberDetail
from bot.core.model import Kind
from bot.core.scoring import LoveParams, ReachParams, ScoringParams
from bot.core.summary import (
    ListenPick,
    MemberScore,
    OrbitSummary,
    Quadrant,
    TeamMember,
    Thresholds,
)

AS_OF = date(2025, 3, 14)
NASTY = "<script>&"
PARAMS = ScoringParams()

# --- builders -----------------------------------------------------------------------------------


def slack_id(i: int) -> str:
    return f"U{i:08d}"


def nasty_name(i: int) -> str:
    """200 characters full of mrkdwn control characters."""
    return (f"{i} " + NASTY * 30)[:200]


def make_summary(
    *,
    active: int = 3,
    silent: int = 1,
    multipliers: int = 1,
    listen: int = 1,
    team: int = 1,
    ids: str = "slack",
    name: Any = lambda i: f"Member {i}",
    channel: str | None = None,
    previous: dict[str, int] | None = None,
    reason: str = "recently active, rarely answered",
) -> OrbitSummary:
    """A hand-built summary: the first ``multipliers`` active members are multipliers."""

    def mid(i: int) -> str:
        return slack_id(i) if ids == "slack" else f"m{i}"

    members: list[MemberScore] = []
    for i in range(active):
        quadrant = (
            Quadrant.MULTIPLIER if i < multipliers else [Quadrant.FAN, Quadrant.SCEPTIC][i % 2]
        )
        members.append(
            MemberScore(mid(i), name(i), 100.0 - i * 0.001, 50.0, quadrant, sentiment=0.25)
        )
    for i in range(active, active + silent):
        members.append(MemberScore(mid(i), name(i), 0.0, 0.0, Quadrant.OBSERVER, silent=True))
    counts = {
        "multiplier": multipliers,
        "fan": sum(m.quadrant is Quadrant.FAN for m in members),
        "sceptic": sum(m.quadrant is Quadrant.SCEPTIC for m in members),
        "observer": silent,
        "silent": silent,
    }
    return OrbitSummary(
        as_of=AS_OF,
        window_days=90,
        thresholds=Thresholds(love=3.0, reach=2.0),
        counts=counts,
        members=members,
        multipliers=[m for m in members if m.quadrant is Quadrant.MULTIPLIER],
        listen=[ListenPick(m, reason) for m in members[-listen:]] if listen and members else [],
        team=[TeamMember(f"T{i:08d}" if ids == "slack" else f"t{i}", name(i)) for i in range(team)],
        channel=channel,
        previous_counts=previous,
    )


def make_detail(
    *,
    member_id: str = "U00000042",
    name: str = "Ada Lovelace",
    connections: int = 3,
    **overrides: Any,
) -> MemberDetail:
    values: dict[str, Any] = {
        "id": member_id,
        "name": name,
        "as_of": AS_OF,
        "window_days": 90,
        "love": 12.5,
        "reach": 7.25,
        "quadrant": Quadrant.MULTIPLIER,
        "thresholds": Thresholds(love=3.0, reach=2.0),
        "sentiment": 0.31,
        "counts": {"message": 14, "reply": 9, "reaction": 31},
        "active_days": 17,
        "last_active": date(2025, 3, 12),
        "connections": [
            Connection(slack_id(900 + i), f"Friend {i}", 5.0 - i * 0.01) for i in range(connections)
        ],
        "pulled_in_by": "U00000007",
    }
    values.update(overrides)
    return MemberDetail(**values)


TINY = make_summary()
EMPTY = make_summary(active=0, silent=0, multipliers=0, listen=0, team=0)
HUGE = make_summary(
    active=15_000,
    silent=5_000,
    multipliers=500,
    listen=20,
    team=200,
    ids="plain",
    name=nasty_name,
    channel="c" * 150 + NASTY * 16 + "x" * 6,
    previous={"multiplier": 498, "fan": 7000, "sceptic": 8000, "observer": 5000, "silent": 5000},
    reason=NASTY * 200,
)
COMMUNITIES = {"tiny": TINY, "empty": EMPTY, "huge": HUGE}

DETAILS = {
    "tiny": make_detail(),
    "empty": make_detail(
        love=0.0,
        reach=0.0,
        quadrant=Quadrant.OBSERVER,
        sentiment=None,
        counts={},
        active_days=0,
        last_active=None,
        connections=0,
        pulled_in_by=None,
        silent=True,
    ),
    "huge": make_detail(
        member_id="m1", name=nasty_name(1), connections=1000, pulled_in_by=nasty_name(2)
    ),
}


def texts(blocks: list[Block]) -> Iterator[tuple[str, str]]:
    """Every text object as (type, text)."""
    for block in blocks:
        if "text" in block:
            yield block["text"]["type"], block["text"]["text"]
        for item in block.get("fields", []) + block.get("elements", []):
            if "text" in item:
                yield item["type"], item["text"]
        if "title" in block:
            yield block["title"]["type"], block["title"]["text"]


def all_text(blocks: list[Block]) -> str:
    return "\n".join(t for _, t in texts(blocks))


MENTION = re.compile(r"<@[UW][A-Z0-9]+>")
ENTITY = re.compile(r"&(?:amp|lt|gt);")


def assert_mrkdwn_safe(blocks: list[Block]) -> None:
    """No raw ``& < >`` in mrkdwn except mentions and the three entities."""
    for kind, text in texts(blocks):
        if kind != "mrkdwn":
            continue
        bare = ENTITY.sub("", MENTION.sub("", text))
        assert not set(bare) & set("<>&"), text


def all_views(name: str) -> dict[str, list[Block]]:
    summary, detail = COMMUNITIES[name], DETAILS[name]
    return {
        "summary": summary_blocks(summary),
        "summary+image": summary_blocks(summary, image_file_id="F0123456"),
        "member-team": member_blocks(detail, own=False, params=PARAMS),
        "member-own": member_blocks(detail, own=True, params=PARAMS),
        "home-team": home_view(
            detail=detail, summary=summary, image_file_id="F0123456", is_team=True
        )["blocks"],
        "home-member": home_view(detail=detail, summary=summary, is_team=False)["blocks"],
        "home-nobody": home_view(detail=None, summary=None, is_team=True)["blocks"],
        "help": help_blocks(is_team=True),
        "usage": usage_blocks(f"I don't know `{NASTY * 300}`.", is_team=False),
        "refusal": refusal_blocks(),
        "privacy": privacy_blocks("optout", erased=10**9),
        "error": error_blocks(NASTY * 1000),
    }


# --- limits, JSON, escaping for every view ------------------------------------------------------


@pytest.mark.parametrize("community", sorted(COMMUNITIES))
def test_every_view_fits_slack_limits_and_is_json(community: str) -> None:
    for view, blocks in all_views(community).items():
        check_limits(blocks)
        assert len(blocks) <= MAX_MESSAGE_BLOCKS, view
        json.dumps(blocks)
        json.dumps(as_message(blocks))
        assert_mrkdwn_safe(blocks)
        text = fallback_text(blocks)
        assert 0 < len(text) <= 150, view
        assert "\n" not in text


def test_huge_community_is_cut_with_and_n_more() -> None:
    blocks = summary_blocks(HUGE, image_file_id="F1")
    text = all_text(blocks)
    assert "… and 490 more multipliers" in text
    assert "Multipliers (500)" in text
    assert "… and 10 more people" in text  # 20 listen picks, 10 shown
    assert re.search(r"… and 1\d\d more members", text)  # team of 200: what fits is shown
    assert "…" in text  # names and reasons are cut


def test_platform_team_list_is_cut_with_and_n_more() -> None:
    text = all_text(summary_blocks(make_summary(team=200)))
    assert "*Platform team* (not scored): Member 0, Member 1," in text
    assert "Member 29 … and 170 more members" in text


def test_header_with_300_char_channel_is_cut() -> None:
    summary = make_summary(channel="x" * 300)
    header = summary_blocks(summary)[0]
    assert header["type"] == "header"
    text = header["text"]["text"]
    assert len(text) == MAX_HEADER_TEXT
    assert text.startswith("Community Pulse — 2025-03-14 · #xxx")
    assert text.endswith("…")
    check_limits([header])


def test_names_reasons_and_channel_are_escaped_when_shown_as_text() -> None:
    summary = make_summary(
        ids="plain", name=lambda i: f"Eve {NASTY}{i}", reason=f"asks {NASTY}", multipliers=2
    )
    blocks = summary_blocks(summary)
    text = all_text(blocks)
    assert "Eve &lt;script&gt;&amp;0" in text
    assert "asks &lt;script&gt;&amp;" in text
    assert "<script" not in json.dumps([b for b in blocks if b["type"] != "header"])
    assert_mrkdwn_safe(blocks)


def test_slack_members_are_mentions_not_names() -> None:
    blocks = summary_blocks(make_summary(name=lambda i: f"Secret Name {i}"))
    text = all_text(blocks)
    assert "<@U00000000>" in text  # the multiplier
    assert "<@T00000000>" not in text  # team ids are T…: not user ids, shown by name
    assert "Secret Name 1" not in text


def test_escape_and_clip_helpers() -> None:
    assert escape_mrkdwn(" a &\n<b> ") == "a &amp; &lt;b&gt;"
    cut = clip_mrkdwn("ab &amp; cd", 5)
    assert cut == "ab…"
    assert clip_mrkdwn("x <@U123456> y", 8) == "x…"
    assert clip_mrkdwn("short", 5) == "short"


# --- the summary --------------------------------------------------------------------------------


def test_changes_render_signed_against_previous_counts() -> None:
    summary = make_summary(
        active=5,
        multipliers=3,
        previous={"multiplier": 1, "fan": 2, "sceptic": 2, "observer": 1, "silent": 1},
    )
    # counts: multiplier 3 (+2), fan 1 (-1), sceptic 1 (-1), observer 1 (±0), silent 1 (±0)
    fields = [f["text"] for b in summary_blocks(summary) for f in b.get("fields", [])]
    assert fields[0].startswith("*Multipliers* 3 (+2)")
    assert fields[1].startswith("*Fans* 1 (-1)")
    assert fields[3].startswith("*Observers* 1 (±0)")
    assert fields[4].startswith("*Silent (among observers)* 1 (±0)")
    assert "previous snapshot" in all_text(summary_blocks(summary))


def test_no_previous_counts_means_no_brackets() -> None:
    fields = [f["text"] for b in summary_blocks(TINY) for f in b.get("fields", [])]
    assert fields[0].startswith("*Multipliers* 1\n")
    assert "(" not in fields[0].split("\n")[0]
    assert "previous snapshot" not in all_text(summary_blocks(TINY))


def test_summary_lists_top_multipliers_in_order_with_scores() -> None:
    summary = make_summary(active=30, multipliers=12)
    text = all_text(summary_blocks(summary))
    assert "1. <@U00000000> · love 100 · reach 50" in text
    assert f"{MULTIPLIERS_SHOWN}. <@U00000009>" in text
    assert "<@U00000010>" not in text.split("Who to listen to")[0]
    assert "… and 2 more multipliers" in text
    assert "Thresholds: love *3*, reach *2*" in text


def test_listen_shows_quadrant_sentiment_and_reason() -> None:
    summary = make_summary(active=2, silent=0, reason="quiet but trusted")
    text = all_text(summary_blocks(summary))
    assert "• <@U00000001> · Sceptic · sentiment +0.25 — quiet but trusted" in text


def test_empty_community_says_so() -> None:
    text = all_text(summary_blocks(EMPTY))
    assert "No multipliers this time" in text
    assert "Nobody stands out this time" in text
    assert "No platform team configured" in text


def test_team_members_never_appear_among_scored_members() -> None:
    base = make_summary(active=4, multipliers=2, listen=2)
    intruder = base.members[0]  # a bad summary that also lists a multiplier as team
    summary = OrbitSummary(
        as_of=base.as_of,
        window_days=base.window_days,
        thresholds=base.thresholds,
        counts=base.counts,
        members=base.members,
        multipliers=base.multipliers,
        listen=[ListenPick(intruder, "loud"), *base.listen],
        team=[TeamMember(intruder.id, intruder.name), TeamMember("U00000777", "Tess")],
    )
    blocks = summary_blocks(summary)
    team_blocks = [b for b in blocks if "Platform team" in all_text([b])]
    scored_text = all_text([b for b in blocks if b not in team_blocks])
    for tid in (intruder.id, "U00000777"):
        assert tid not in scored_text
        assert tid in all_text(team_blocks)
    assert "Multipliers (1)" in scored_text


def test_image_block_uses_slack_file_id_only_when_given() -> None:
    with_image = summary_blocks(TINY, image_file_id="F0123456")
    images = [b for b in with_image if b["type"] == "image"]
    assert len(images) == 1
    assert images[0]["slack_file"] == {"id": "F0123456"}
    assert "image_url" not in images[0]
    assert 0 < len(images[0]["alt_text"]) <= MAX_ALT_TEXT
    assert all(b["type"] != "image" for b in summary_blocks(TINY))


# --- one member ---------------------------------------------------------------------------------


def test_own_view_explains_what_counts_from_params() -> None:
    params = ScoringParams(
        love=LoveParams(weights={Kind.MESSAGE: 7, Kind.REPLY: 9, Kind.REACTION: 2.5}, daily_cap=21),
        reach=ReachParams(
            weights={Kind.REPLY: 6, Kind.REACTION: 0.5}, connection_cap=8, pulled_in_bonus=11
        ),
    )
    text = all_text(member_blocks(make_detail(), own=True, params=params))
    assert "a message counts 7, a reply 9, a reaction 2.5" in text
    assert "at most 21 a day" in text
    assert "a reply counts 6, a reaction 0.5" in text
    assert "at most 8 from any one person" in text
    assert "plus 11 when" in text
    default = all_text(member_blocks(make_detail(), own=True, params=PARAMS))
    assert "a message counts 3, a reply 4, a reaction 1" in default
    assert "at most 12 a day" in default


def test_own_view_is_second_person_and_counts_connections_without_names() -> None:
    detail = make_detail(connections=3)
    text = all_text(member_blocks(detail, own=True, params=PARAMS))
    assert "You are a *Multiplier*" in text
    assert "3 people respond to what you post" in text
    assert "Messages 14 · Replies 9 · Reactions 31 · Mentions 0" in text
    assert "17 of the last 90" in text
    assert "2025-03-12" in text
    assert "<@U00000007>" in text  # pulled in by
    for c in detail.connections:
        assert c.id not in text
        assert c.name not in text


def test_team_view_lists_who_responds_most() -> None:
    detail = make_detail(connections=15)
    text = all_text(member_blocks(detail, own=False, params=PARAMS))
    assert "<@U00000042> is a *Multiplier*" in text
    assert "• <@U00000900> · 5" in text
    assert "… and 5 more people" in text
    assert "What counts" not in text


def test_team_member_is_not_scored() -> None:
    detail = make_detail(is_team=True, quadrant=None)
    own = all_text(member_blocks(detail, own=True, params=PARAMS))
    other = all_text(member_blocks(detail, own=False, params=PARAMS))
    assert "You are on the platform team, so you are not scored" in own
    assert "<@U00000042> is on the platform team, so they are not scored" in other
    for text in (own, other):
        assert "12.5" not in text
        assert "*Love*" not in text


def test_opted_out_member_shows_no_data() -> None:
    detail = make_detail(opted_out=True, quadrant=None)
    own = all_text(member_blocks(detail, own=True, params=PARAMS))
    other = all_text(member_blocks(detail, own=False, params=PARAMS))
    assert "Collection is off" in own
    assert "/orbit optin" in own
    assert "opted out" in other
    for text in (own, other):
        assert "12.5" not in text
        assert "U00000900" not in text


def test_silent_member() -> None:
    own = all_text(member_blocks(DETAILS["empty"], own=True, params=PARAMS))
    assert "no activity in the last 90 days" in own
    assert "*silent observer*" in own
    assert "Nobody has responded" in own


# --- help, usage, refusal, privacy, errors ------------------------------------------------------


def test_help_hides_team_verbs_from_members() -> None:
    member = all_text(help_blocks(is_team=False))
    team = all_text(help_blocks(is_team=True))
    for usage, what, team_only in USAGE:
        assert f"`{usage}` — {what}" in team
        assert (f"`{usage}`" in member) is not team_only
    assert "@member" not in member


def test_usage_shows_message_then_help() -> None:
    blocks = usage_blocks("I don't know `<x>`.", is_team=False)
    assert blocks[0]["text"]["text"] == "I don't know `&lt;x&gt;`."
    assert "`/orbit me`" in all_text(blocks)
    assert "`/orbit #channel`" not in all_text(blocks)


def test_refusal_has_no_data() -> None:
    blocks = refusal_blocks()
    dumped = json.dumps(blocks)
    assert not re.search(r"\d", dumped)
    for m in TINY.members:
        assert m.id not in dumped
        assert m.name not in dumped
    assert "platform team" in dumped
    assert "/orbit me" in dumped


@pytest.mark.parametrize(
    ("action", "erased", "expected"),
    [
        ("optout", 12, "no longer collected, and 12 records kept about you were erased"),
        ("optout", 0, "there was nothing to erase"),
        (PrivacyAction.OPTIN, 0, "counts again"),
        ("forget", 1, "1 record kept about you was erased. Collection continues"),
        ("already_opted_out", 0, "already off"),
        ("already_opted_in", 0, "already on"),
    ],
)
def test_privacy_confirmations(action: str, erased: int, expected: str) -> None:
    blocks = privacy_blocks(action, erased=erased)
    check_limits(blocks)
    assert expected in all_text(blocks)


def test_privacy_rejects_unknown_action() -> None:
    with pytest.raises(ValueError, match="delete"):
        privacy_blocks("delete")


def test_error_is_friendly_and_never_a_traceback() -> None:
    message = "channel <#C1> not found\nTraceback (most recent call last):\n  File x"
    blocks = error_blocks(message)
    text = all_text(blocks)
    assert "channel &lt;#C1&gt; not found" in text
    assert "Traceback" not in text
    assert "something went wrong" in all_text(error_blocks(""))


# --- App Home -----------------------------------------------------------------------------------


def test_home_view_for_team_has_standing_summary_and_picture() -> None:
    view = home_view(detail=make_detail(), summary=TINY, image_file_id="F9", is_team=True)
    assert view["type"] == "home"
    check_limits(view["blocks"], max_blocks=MAX_HOME_BLOCKS)
    text = all_text(view["blocks"])
    assert "You are a *Multiplier*" in text
    assert "Who to listen to" in text
    assert {"id": "F9"} in [b.get("slack_file") for b in view["blocks"]]
    json.dumps(view)


def test_home_view_never_shows_the_summary_to_members() -> None:
    view = home_view(detail=make_detail(), summary=TINY, image_file_id="F9", is_team=False)
    assert view["type"] == "home"
    text = all_text(view["blocks"])
    assert "Who to listen to" not in text
    assert all(b["type"] != "image" for b in view["blocks"])
    for m in TINY.members:
        assert m.id not in json.dumps(view)


def test_home_view_without_data() -> None:
    view = home_view(detail=None, summary=None, is_team=False)
    assert view["type"] == "home"
    assert "Nothing is kept about you yet" in all_text(view["blocks"])


# --- fallback text ------------------------------------------------------------------------------


def test_fallback_text() -> None:
    assert fallback_text(summary_blocks(TINY)) == "Community Pulse — 2025-03-14"
    assert fallback_text(refusal_blocks()).startswith("Sorry, community views")
    channel = fallback_text(summary_blocks(make_summary(channel="a<b>&c")))
    assert channel.endswith("#a&lt;b&gt;&amp;c")
    assert fallback_text([]) == "Community Pulse"


# --- check_limits itself ------------------------------------------------------------------------


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def field_section(n: int) -> Block:
    return {"type": "section", "fields": [{"type": "mrkdwn", "text": "x"}] * n}


@pytest.mark.parametrize(
    ("blocks", "message"),
    [
        ([section("x")] * (MAX_MESSAGE_BLOCKS + 1), "51 blocks"),
        ([section("x" * (MAX_SECTION_TEXT + 1))], "3001 characters"),
        ([field_section(MAX_FIELDS + 1)], "11 fields"),
        ([section("")], "empty"),
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "151"),
        ([{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}], "plain_text"),
        ([{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}], "11 el"),
        ([{"type": "section"}], "text or fields"),
        ([{"type": "image", "alt_text": "a" * 2001, "slack_file": {"id": "F1"}}], "alt_text"),
        (
            [{"type": "image", "alt_text": "a", "slack_file": {"id": "F"}, "image_url": "u"}],
            "exactly one",
        ),
        ([{"type": "image", "alt_text": "a", "slack_file": {}}], "id and url"),
    ],
)
def test_check_limits_rejects(blocks: list[Block], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_limits(blocks)


def test_check_limits_accepts_edges() -> None:
    check_limits([section("x" * MAX_SECTION_TEXT)] * (MAX_MESSAGE_BLOCKS - 1) + [field_section(10)])
    check_limits([section("x")] * MAX_HOME_BLOCKS, max_blocks=MAX_HOME_BLOCKS)
    check_limits([{"type": "divider"}, {"type": "actions", "elements": []}])
