"""Use case: answer ``/orbit …`` for a member, whatever chat platform asked.

The answer is plain data (:class:`Answer`); each adapter renders it (Block Kit, Adaptive Cards,
text). Authorisation lives here, once: team views only for the platform team.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import Engine

from bot.core.commands import Command, UsageError, Verb, parse
from bot.core.detail import MemberDetail
from bot.core.errors import NotFoundError
from bot.core.model import date_to_day, day_to_date
from bot.core.scoring import ScoringParams
from bot.core.summary import OrbitSummary
from bot.services.reporting import TeamConfig, orbit_summary, resolve_as_of, team_ids
from storage import detail as kept
from storage import privacy


class Kind(StrEnum):
    SUMMARY = "summary"
    MEMBER = "member"
    HELP = "help"
    USAGE = "usage"
    REFUSED = "refused"
    PRIVACY = "privacy"


@dataclass(frozen=True, slots=True)
class Answer:
    kind: Kind
    is_team: bool
    summary: OrbitSummary | None = None
    detail: MemberDetail | None = None
    own: bool = False
    message: str = ""
    #: for PRIVACY: "optout", "optin", "forget", "already_opted_out", "already_opted_in"
    action: str = ""
    erased: int = 0


@dataclass
class OrbitService:
    engine: Engine
    params: ScoringParams
    team: TeamConfig

    def is_team(self, member_id: str) -> bool:
        with self.engine.connect() as conn:
            return member_id in team_ids(conn, self.team)

    def answer(self, member_id: str, text: str) -> Answer:
        """Parse and run a command; usage mistakes and refusals are answers, not errors."""
        is_team = self.is_team(member_id)
        try:
            command = parse(text)
        except UsageError as exc:
            return Answer(Kind.USAGE, is_team, message=str(exc))
        if command.team_only and not is_team:
            return Answer(Kind.REFUSED, is_team)
        return self.run(member_id, command, is_team)

    def run(self, member_id: str, command: Command, is_team: bool) -> Answer:
        match command.verb:
            case Verb.HELP:
                return Answer(Kind.HELP, is_team)
            case Verb.SUMMARY:
                return Answer(Kind.SUMMARY, is_team, summary=self.summary())
            case Verb.CHANNEL:
                return Answer(Kind.SUMMARY, is_team, summary=self.summary(command.target))
            case Verb.MEMBER:
                assert command.target is not None
                return Answer(Kind.MEMBER, is_team, detail=self.detail(command.target))
            case Verb.ME:
                return Answer(Kind.MEMBER, is_team, detail=self.detail(member_id), own=True)
            case Verb.OPTOUT | Verb.OPTIN | Verb.FORGET:
                return self.privacy(member_id, command.verb, is_team)
        raise AssertionError(command)  # pragma: no cover - every verb is matched above

    def summary(self, channel: str | None = None) -> OrbitSummary:
        return orbit_summary(self.engine, self.params, self.team, channel=channel)

    def detail(
        self, member_id: str, as_of: date | None = None, summary: OrbitSummary | None = None
    ) -> MemberDetail:
        """One member as scored in the community summary, with what is kept about them.
        ``summary``, when the caller has just computed the community summary, is reused."""
        with self.engine.connect() as conn:
            when = summary.as_of if summary is not None else resolve_as_of(conn, as_of)
            team = team_ids(conn, self.team)
            facts = kept.kept_about(conn, member_id, self.params, date_to_day(when))
        if facts.name is None:
            raise NotFoundError(
                f"I have nothing about <@{member_id}>: they have not been seen in a tracked "
                "channel (or asked to be forgotten)."
            )
        if summary is None or summary.channel is not None:
            summary = orbit_summary(self.engine, self.params, self.team, as_of=when)
        scored = next((m for m in summary.members if m.id == member_id), None)
        return MemberDetail(
            id=member_id,
            name=facts.name,
            as_of=when,
            window_days=summary.window_days,
            love=scored.love if scored else 0.0,
            reach=scored.reach if scored else 0.0,
            quadrant=scored.quadrant if scored else None,
            thresholds=summary.thresholds,
            sentiment=scored.sentiment if scored else None,
            counts=facts.counts,
            active_days=facts.active_days,
            last_active=None if facts.last_day is None else day_to_date(facts.last_day),
            connections=facts.responders,
            pulled_in_by=facts.pulled_in_by,
            is_team=member_id in team,
            opted_out=facts.opted_out,
            silent=scored.silent if scored else facts.active_days == 0,
        )

    def privacy(self, member_id: str, verb: Verb, is_team: bool) -> Answer:
        with self.engine.begin() as conn:
            if verb is Verb.OPTIN:
                was_out = privacy.set_opted_out(conn, member_id, False)
                action = "optin" if was_out else "already_opted_in"
                return Answer(Kind.PRIVACY, is_team, action=action)
            if verb is Verb.OPTOUT:
                was_out = privacy.set_opted_out(conn, member_id, True)
                erased = privacy.erase(conn, member_id)
                action = "already_opted_out" if was_out else "optout"
                return Answer(Kind.PRIVACY, is_team, action=action, erased=erased)
            erased = privacy.erase(conn, member_id)
            return Answer(Kind.PRIVACY, is_team, action="forget", erased=erased)
