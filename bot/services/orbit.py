"""Use case: answer ``/orbit …`` for a member, whatever chat platform asked.

The answer is plain data (:class:`Answer`); each adapter renders it (Block Kit, Adaptive Cards,
text). Authorisation lives here, once: team views only for the platform team.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from pydantic import ValidationError
from sqlalchemy import Engine

from bot.core.commands import Command, UsageError, Verb, parse
from bot.core.detail import MemberDetail
from bot.core.errors import NotFoundError, PulseError
from bot.core.experiments import ExperimentStatus
from bot.core.model import date_to_day, day_to_date
from bot.core.scoring import ScoringParams
from bot.core.summary import OrbitSummary
from bot.core.surveys import SurveyOverview
from bot.schedules import ScheduleSpec
from bot.services.digest import DigestService
from bot.services.experiments import ExperimentService
from bot.services.reporting import TeamConfig, orbit_summary, resolve_as_of, team_ids
from bot.services.surveys import SurveyService
from storage import detail as kept
from storage import directory as people
from storage import privacy
from storage.surveys import ScheduleRow

CHANNEL_ID_RE = re.compile(r"^[CG][A-Z0-9]{2,}$")


def _option(field: str, value: str) -> object:
    if field == "reminder":
        lowered = value.lower()
        if lowered in ("on", "yes", "true"):
            return True
        if lowered in ("off", "no", "false"):
            return False
        raise UsageError(f"reminder is on or off, not `{value}`.")
    return value


class Kind(StrEnum):
    SUMMARY = "summary"
    MEMBER = "member"
    HELP = "help"
    USAGE = "usage"
    REFUSED = "refused"
    PRIVACY = "privacy"
    NOTICE = "notice"
    SCHEDULES = "schedules"
    EXPERIMENT_FORM = "experiment_form"
    EXPERIMENTS = "experiments"


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
    #: the surveys section of the team's summary (whole community only)
    surveys: SurveyOverview | None = None
    #: for SCHEDULES
    schedules: tuple[ScheduleRow, ...] = ()
    #: for EXPERIMENTS (one, for a close), and EXPERIMENT_FORM's channel choices (id, name)
    experiments: tuple[ExperimentStatus, ...] = ()
    channels: tuple[tuple[str, str], ...] = ()


@dataclass
class OrbitService:
    engine: Engine
    params: ScoringParams
    team: TeamConfig
    surveys: SurveyService | None = None
    digest: DigestService | None = None
    experiments: ExperimentService | None = None
    #: called after a schedule changed (the scheduler brings its jobs in line)
    on_schedules_changed: Callable[[], None] | None = None

    def is_team(self, member_id: str) -> bool:
        with self.engine.connect() as conn:
            return member_id in team_ids(conn, self.team)

    def answer(self, member_id: str, text: str, channel: str | None = None) -> Answer:
        """Parse and run a command; usage mistakes and refusals are answers, not errors.
        ``channel`` is where the command was typed (the default for ``survey SET``)."""
        is_team = self.is_team(member_id)
        try:
            command = parse(text)
        except UsageError as exc:
            return Answer(Kind.USAGE, is_team, message=str(exc))
        if command.team_only and not is_team:
            return Answer(Kind.REFUSED, is_team)
        try:
            return self.run(member_id, command, is_team, channel)
        except UsageError as exc:
            return Answer(Kind.USAGE, is_team, message=str(exc))

    def run(
        self, member_id: str, command: Command, is_team: bool, channel: str | None = None
    ) -> Answer:
        match command.verb:
            case Verb.HELP:
                return Answer(Kind.HELP, is_team)
            case Verb.SUMMARY:
                overview = self.surveys.overview() if self.surveys is not None else None
                return Answer(Kind.SUMMARY, is_team, summary=self.summary(), surveys=overview)
            case Verb.CHANNEL:
                return Answer(Kind.SUMMARY, is_team, summary=self.summary(command.target))
            case Verb.MEMBER:
                assert command.target is not None
                return Answer(Kind.MEMBER, is_team, detail=self.detail(command.target))
            case Verb.ME:
                return Answer(Kind.MEMBER, is_team, detail=self.detail(member_id), own=True)
            case Verb.OPTOUT | Verb.OPTIN | Verb.FORGET:
                return self.privacy(member_id, command.verb, is_team)
            case Verb.SURVEY | Verb.SCHEDULES | Verb.SCHEDULE | Verb.UNSCHEDULE:
                return self.survey_command(command, is_team, channel)
            case Verb.DIGEST:
                if self.digest is None:
                    raise PulseError("The digest is not available here.")
                posted = self.digest.post()
                return Answer(
                    Kind.NOTICE,
                    is_team,
                    message=f"Posted the {posted.period} digest in the platform team's channel.",
                )
            case Verb.EXPERIMENT_NEW | Verb.EXPERIMENTS | Verb.EXPERIMENT_CLOSE:
                return self.experiment_command(command, is_team)
        raise AssertionError(command)  # pragma: no cover - every verb is matched above

    def _surveys(self) -> SurveyService:
        if self.surveys is None:
            raise PulseError("Surveys are not available here.")
        return self.surveys

    def channel_id(self, target: str) -> str:
        """A channel id from a command's channel reference (an id, or a known name)."""
        with self.engine.connect() as conn:
            known = people.channel_by_name(conn, target)
        if known is not None:
            return known.id
        if CHANNEL_ID_RE.match(target):
            return target
        raise NotFoundError(f"I don't know a channel #{target}; invite me there first.")

    def survey_command(self, command: Command, is_team: bool, channel: str | None) -> Answer:
        surveys = self._surveys()
        if command.verb is Verb.SCHEDULES:
            return Answer(Kind.SCHEDULES, is_team, schedules=tuple(surveys.schedules()))
        if command.verb is Verb.SURVEY:
            assert command.set_id is not None
            where = self.channel_id(command.target) if command.target else channel
            if not where or where.startswith("D"):
                raise UsageError("Name the channel to post in: `/orbit survey SET #channel`.")
            run = surveys.start(where, command.set_id)
            if run is None:  # pragma: no cover - a manual run has a slot of its own
                return Answer(Kind.NOTICE, is_team, message="That survey was already posted.")
            closes = run.closes_at.strftime("%Y-%m-%d %H:%M UTC")
            asked = ", ".join(f"`{q.id}`" for q in run.questions)
            return Answer(
                Kind.NOTICE,
                is_team,
                message=f"Posted *{run.qset.title}* in <#{where}> ({asked}); it closes {closes}.",
            )
        assert command.target is not None
        where = self.channel_id(command.target)
        if command.verb is Verb.UNSCHEDULE:
            was_on = surveys.disable_schedule(where)
            self._schedules_changed()
            message = (
                f"Scheduled surveys in <#{where}> are off."
                if was_on
                else f"<#{where}> had no scheduled surveys."
            )
            return Answer(Kind.NOTICE, is_team, message=message)
        values: dict[str, str] = dict(command.options)
        try:
            spec = ScheduleSpec.model_validate(
                {
                    "channel": where,
                    "set": command.set_id,
                    "cron": command.cron,
                    **{k: _option(k, v) for k, v in values.items()},
                }
            )
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'schedule'}: {e['msg']}"
                for e in exc.errors()
            )
            raise UsageError(problems) from None
        surveys.save_schedule(spec, where)
        self._schedules_changed()
        reminder = "with a reminder" if spec.reminder else "without a reminder"
        return Answer(
            Kind.NOTICE,
            is_team,
            message=(
                f"Scheduled *{spec.set_id}* in <#{where}>: `{spec.cron}` ({spec.timezone}), "
                f"{spec.questions} question(s) a run, open {spec.open_hours} h, {reminder}, "
                f"no repeat within {spec.rotation_weeks} week(s)."
            ),
        )

    def experiment_command(self, command: Command, is_team: bool) -> Answer:
        if self.experiments is None:
            raise PulseError("Experiments are not available here.")
        if command.verb is Verb.EXPERIMENT_NEW:
            with self.engine.connect() as conn:
                channels = tuple(people.channels(conn))
            return Answer(Kind.EXPERIMENT_FORM, is_team, channels=channels)
        if command.verb is Verb.EXPERIMENTS:
            return Answer(Kind.EXPERIMENTS, is_team, experiments=tuple(self.experiments.statuses()))
        assert command.number is not None
        closed = self.experiments.close(command.number)
        return Answer(Kind.EXPERIMENTS, is_team, experiments=(closed,), action="closed")

    def _schedules_changed(self) -> None:
        if self.on_schedules_changed is not None:
            self.on_schedules_changed()

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
