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
    SURVEY = "survey"  # /orbit survey SET [#channel]          (team)
    SCHEDULES = "schedules"  # /orbit survey schedule        (team)
    SCHEDULE = "schedule"  # /orbit survey schedule #channel SET CRON [key=value ...] (team)
    UNSCHEDULE = "unschedule"  # /orbit survey schedule #channel off              (team)
    DIGEST = "digest"  # /orbit digest                     (team)
    EXPERIMENT_NEW = "experiment_new"  # /orbit experiment new   (team)
    EXPERIMENTS = "experiments"  # /orbit experiment list        (team)
    EXPERIMENT_CLOSE = "experiment_close"  # /orbit experiment close ID (team)


#: Verbs only the platform team may use: they show other people's data.
TEAM_ONLY = frozenset(
    {
        Verb.SUMMARY,
        Verb.CHANNEL,
        Verb.MEMBER,
        Verb.SURVEY,
        Verb.SCHEDULES,
        Verb.SCHEDULE,
        Verb.UNSCHEDULE,
        Verb.DIGEST,
        Verb.EXPERIMENT_NEW,
        Verb.EXPERIMENTS,
        Verb.EXPERIMENT_CLOSE,
    }
)

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
    ("/orbit survey SET [#channel]", "post a survey from question set SET now", True),
    ("/orbit survey schedule", "list the survey schedules", True),
    (
        "/orbit survey schedule #channel SET CRON [tz=…] [questions=1-3] [open=HOURS] "
        "[reminder=on|off] [rotation=WEEKS]",
        "schedule surveys, e.g. `#general pulse 0 10 * * tue tz=Europe/Berlin`",
        True,
    ),
    ("/orbit survey schedule #channel off", "stop scheduled surveys in a channel", True),
    ("/orbit digest", "post the weekly digest to the platform team's channel now", True),
    ("/orbit experiment new", "start an experiment: hypothesis, action, metric, target", True),
    ("/orbit experiment list", "experiments with baseline, current value and verdict", True),
    ("/orbit experiment close ID", "end an experiment now and record its verdict", True),
    ("/orbit help", "this help", False),
)

#: Verbs that are typed as one word (the others are recognised by their arguments).
WORD_VERBS = frozenset({Verb.ME, Verb.OPTOUT, Verb.OPTIN, Verb.FORGET, Verb.HELP})

#: ``key=value`` options of ``/orbit survey schedule`` and the schedule field each sets.
SCHEDULE_OPTIONS = {
    "tz": "timezone",
    "timezone": "timezone",
    "questions": "questions",
    "open": "open_hours",
    "reminder": "reminder",
    "rotation": "rotation_weeks",
}
CRON_FIELDS = 5


@dataclass(frozen=True, slots=True)
class Command:
    verb: Verb
    #: member id for MEMBER, channel id or name for CHANNEL and the survey verbs
    target: str | None = None
    #: question set of SURVEY and SCHEDULE
    set_id: str | None = None
    #: EXPERIMENT_CLOSE: the experiment's number
    number: int | None = None
    #: SCHEDULE: the five cron fields, and the key=value options by schedule field name
    cron: str | None = None
    options: tuple[tuple[str, str], ...] = ()

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
    if head.lower() == "survey":
        return _survey(text, rest)
    if head.lower() == "experiment":
        return _experiment(rest)
    if head.lower() == "digest" and not rest:
        return Command(Verb.DIGEST)
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
    if verb not in WORD_VERBS:
        raise UsageError(f"I don't know `{head}`.")
    return Command(verb)


def _channel(word: str) -> str | None:
    """A channel reference's id (``<#C1|name>``) or name (``#name``), or None."""
    if channel := CHANNEL_RE.match(word):
        return channel.group(1)
    if plain := PLAIN_CHANNEL_RE.match(word.lower()):
        return plain.group(1)
    return None


def _survey(text: str, words: list[str]) -> Command:
    if not words:
        raise UsageError("Name a question set: `/orbit survey pulse`.")
    if words[0].lower() != "schedule":
        set_id, rest = words[0].lower(), words[1:]
        if len(rest) > 1:
            raise UsageError(f"`{text.strip()}` has too many arguments.")
        target = None
        if rest:
            target = _channel(rest[0])
            if target is None:
                raise UsageError(f"`{rest[0]}` is not a channel; write it as #channel.")
        return Command(Verb.SURVEY, target, set_id=set_id)
    words = words[1:]
    if not words:
        return Command(Verb.SCHEDULES)
    target = _channel(words[0])
    if target is None:
        raise UsageError(f"`{words[0]}` is not a channel; write it as #channel.")
    rest = words[1:]
    if [w.lower() for w in rest] == ["off"]:
        return Command(Verb.UNSCHEDULE, target)
    if len(rest) < 1 + CRON_FIELDS:
        raise UsageError(
            "Give the question set and the five cron fields, e.g. "
            "`/orbit survey schedule #general pulse 0 10 * * tue tz=Europe/Berlin`."
        )
    set_id, cron, extra = (
        rest[0].lower(),
        " ".join(rest[1 : 1 + CRON_FIELDS]),
        rest[1 + CRON_FIELDS :],
    )
    options: list[tuple[str, str]] = []
    for word in extra:
        key, eq, value = word.partition("=")
        field = SCHEDULE_OPTIONS.get(key.lower())
        if not eq or field is None or not value:
            known = ", ".join(f"{k}=…" for k in SCHEDULE_OPTIONS if k != "timezone")
            raise UsageError(f"I don't understand `{word}`; options are {known}.")
        options.append((field, value))
    return Command(Verb.SCHEDULE, target, set_id=set_id, cron=cron, options=tuple(options))


def _experiment(words: list[str]) -> Command:
    sub = [w.lower() for w in words]
    if sub == ["new"]:
        return Command(Verb.EXPERIMENT_NEW)
    if sub in (["list"], []):
        return Command(Verb.EXPERIMENTS)
    if len(sub) == 2 and sub[0] == "close":
        number = sub[1].lstrip("#")
        if number.isdigit() and len(number) <= 9:
            return Command(Verb.EXPERIMENT_CLOSE, number=int(number))
        raise UsageError(f"`{words[1]}` is not an experiment number; see `/orbit experiment list`.")
    raise UsageError("Use `/orbit experiment new`, `/orbit experiment list` or `close ID`.")
