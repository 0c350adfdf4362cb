"""The ``/orbit`` command language, independent of the chat platform.

Adapters normalise mentions and channel references to ``<@ID>`` and ``<#ID|name>`` (Slack's own
escaping) before parsing; everything else is plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.core.errors import BadInputError


class Verb(StrEnum):
    SUMMARY = "summary"  # /orbit            (team)
    CHANNEL = "channel"  # /orbit #channel   (team)
    MEMBER = "member"  # /orbit @member    (team)
    ME = "me"  # /orbit me         (anyone)
    OPTOUT = "optout"  # /orbit optout     (anyone, for themselves)
    OPTIN = "optin"  # /orbit optin      (anyone, for themselves)
    FORGET = "forget"  # /orbit forget     (anyone, for themselves)
    HELP = "help"  # /orbit help       (anyone)


#: Verbs only the platform team may use: they show other people's data.
TEAM_ONLY = frozenset({Verb.SUMMARY, Verb.CHANNEL, Verb.MEMBER})

USER_RE = re.compile(r"^<@([A-Z0-9][A-Z0-9._-]{0,39})(?:\|[^>]*)?>$", re.IGNORECASE)
CHANNEL_RE = re.compile(r"^<#([A-Z0-9][A-Z0-9._-]{0,99})(?:\|([^>]*))?>$", re.IGNORECASE)
PLAIN_CHANNEL_RE = re.compile(r"^#([a-z0-9][a-z0-9._-]{0,79})$")

#: (usage, what it does, team only) — the help text lists exactly the verbs that exist.
USAGE: tuple[tuple[str, str, bool], ...] = (
    ("/orbit", "community summary: quadrants, multipliers, who to listen to", True),
    ("/orbit #channel", "the same for one channel", True),
    ("/orbit @member", "one member's scores and the activity behind them", True),
    ("/orbit me", "your own scores, quadrant and what counts", False),
    ("/orbit optout", "stop collecting your activity and erase what was kept", False),
    ("/orbit optin", "start collecting your activity again", False),
    ("/orbit forget", "erase everything kept about you (collection continues)", False),
    ("/orbit help", "this help", False),
)


@dataclass(frozen=True, slots=True)
class Command:
    verb: Verb
    #: member id for MEMBER, channel id or name for CHANNEL
    target: str | None = None

    @property
    def team_only(self) -> bool:
        return self.verb in TEAM_ONLY


class UsageError(BadInputError):
    """The command text is not one we know; the message carries the usage."""


def parse(text: str) -> Command:
    """``/orbit`` arguments → Command. Unknown verbs or extra arguments raise UsageError."""
    words = (text or "").split()
    if not words:
        return Command(Verb.SUMMARY)
    head, rest = words[0], words[1:]
    if rest:
        raise UsageError(f"`{text.strip()}` has more than one argument.")
    if user := USER_RE.match(head):
        return Command(Verb.MEMBER, user.group(1).upper())
    if channel := CHANNEL_RE.match(head):
        return Command(Verb.CHANNEL, channel.group(1))
    if plain := PLAIN_CHANNEL_RE.match(head.lower()):
        return Command(Verb.CHANNEL, plain.group(1))
    try:
        verb = Verb(head.lower())
    except ValueError:
        raise UsageError(f"I don't know `{head}`.") from None
    if verb in (Verb.SUMMARY, Verb.CHANNEL, Verb.MEMBER):
        raise UsageError(f"I don't know `{head}`.")
    return Command(verb)
