"""Survey history for the demo community: a few weeks of closed pulse runs plus one run each of
the maturity, culture and journey sets, answered by the personas in character (multipliers and
fans warmer than sceptics), so ``pulse demo`` shows the surveys section with real numbers.

The runs go through :class:`SurveyService` like live ones (claims, salted answers, closing), with
a poster that shows nothing; only the clock is moved.
"""

from __future__ import annotations

import logging
import random
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete, select

from bot.core.questions import Question
from bot.core.surveys import RunResults, RunView
from bot.demo.generator import Persona
from bot.services.surveys import SurveyService
from storage.sql import CHANNEL, CHANNEL_MEMBER, SURVEY_RUN

PULSE_WEEKS = 6
CHANNEL_NAME = "general"

#: How likely a persona answers a run, and where its answers sit (0 = lowest, 1 = highest).
_TURNOUT = {
    Persona.MULTIPLIER: 0.8,
    Persona.FAN: 0.6,
    Persona.SCEPTIC: 0.5,
    Persona.OBSERVER: 0.25,
    Persona.SILENT: 0.1,
}
_MOOD = {
    Persona.MULTIPLIER: 0.8,
    Persona.FAN: 0.75,
    Persona.SCEPTIC: 0.3,
    Persona.OBSERVER: 0.55,
    Persona.SILENT: 0.5,
}
_BLOCKERS = (
    "Waiting for a database takes days; a ticket for everything.",
    "The docs are good but the examples are out of date.",
    "Deploys are fast now, love the new pipeline.",
    "I never know who owns the ingress setup.",
    "Flaky integration tests block merges every other day.",
    "Getting a new service running was painless this time.",
)


class _Quiet:
    """A poster that shows nothing: demo runs live only in the database."""

    def __init__(self) -> None:
        self.n = 0

    def post_survey(self, run: RunView) -> str:
        self.n += 1
        return f"{int(run.opened_at.timestamp())}.{self.n:06d}"

    def post_reminder(self, run: RunView, message_ref: str) -> None:
        return None

    def post_closed(self, results: RunResults, message_ref: str) -> None:
        return None


class _Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def _value(question: Question, mood: float, r: random.Random) -> str:
    options = [o.value for o in question.options]
    position = min(1.0, max(0.0, r.gauss(mood, 0.2)))
    return options[round(position * (len(options) - 1))]


def seed_surveys(surveys: SurveyService, personas: dict[str, Persona], end: date, seed: int) -> int:
    """Replace the demo's survey runs in #general with fresh ones ending before ``end``;
    returns how many runs were closed."""
    with surveys.engine.begin() as conn:
        channel_id = conn.execute(
            select(CHANNEL.c.id).where(CHANNEL.c.name == CHANNEL_NAME)
        ).scalar_one_or_none()
        if channel_id is None:
            return 0
        members = [
            m
            for m in conn.execute(
                select(CHANNEL_MEMBER.c.member_id).where(CHANNEL_MEMBER.c.channel_id == channel_id)
            ).scalars()
            if personas.get(m) in _TURNOUT
        ]
        conn.execute(delete(SURVEY_RUN).where(SURVEY_RUN.c.channel_id == channel_id))
    r = random.Random(seed)
    clock = _Clock()
    demo = replace(surveys, poster=_Quiet(), clock=clock, recorder=None)
    tuesday = end - timedelta(days=(end.weekday() - 1) % 7 or 7)
    plan = [(tuesday - timedelta(weeks=w), "pulse", 2) for w in range(PULSE_WEEKS, 0, -1)]
    plan += [
        (tuesday - timedelta(days=5), "maturity", 3),
        (tuesday - timedelta(days=4), "culture", 1),
        (tuesday - timedelta(days=3), "journey", 1),
    ]
    closed = 0
    service_log = logging.getLogger("bot.services.surveys")
    level = service_log.level
    service_log.setLevel(logging.WARNING)  # nine runs posted and closed in a second: no news
    try:
        closed = _answer(demo, clock, plan, channel_id, members, personas, r)
    finally:
        service_log.setLevel(level)
    return closed


def _answer(
    demo: SurveyService,
    clock: _Clock,
    plan: list[tuple[date, str, int]],
    channel_id: str,
    members: list[str],
    personas: dict[str, Persona],
    r: random.Random,
) -> int:
    closed = 0
    for week, (day, set_id, count) in enumerate(plan):
        clock.now = datetime.combine(day, time(10, 0), tzinfo=UTC)
        run = demo.start(channel_id, set_id, count=count, open_hours=48, rotation_weeks=2)
        if run is None:
            continue
        drift = 0.03 * week  # the platform gets a little better every week
        for member in members:
            persona = personas[member]
            if r.random() > _TURNOUT[persona]:
                continue
            for question in run.questions:
                if question.kind == "text":
                    if r.random() < 0.5:
                        demo.answer(member, run.run_id, question.id, r.choice(_BLOCKERS))
                    continue
                demo.answer(
                    member, run.run_id, question.id, _value(question, _MOOD[persona] + drift, r)
                )
        clock.now += timedelta(hours=48)
        closed += demo.tick()
    return closed
