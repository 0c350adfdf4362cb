"""Survey schedules: one per channel, from the operator's YAML file (``PULSE_SURVEYS_FILE``) or
``/orbit survey schedule``. Both are validated here, with messages naming the field at fault.

    schedules:
      - channel: general          # name (with or without #) or id
        set: pulse                # a question set id from prompts/
        cron: "0 10 * * tue"      # minute hour day-of-month month day-of-week
        timezone: Europe/Berlin
        questions: 2              # 1 to 3 per run
        open_hours: 48
        reminder: true
        rotation_weeks: 4         # a question does not come back within this many weeks
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.core.questions import QuestionSet
from bot.yamlfile import ConfigError, describe_errors, read_yaml

MAX_OPEN_HOURS = 14 * 24


def cron_trigger(cron: str, timezone: str) -> CronTrigger:
    """APScheduler's trigger for a five-field crontab line; ValueError with the reason."""
    fields = cron.split()
    if len(fields) != 5:
        raise ValueError(
            f"cron needs five fields (minute hour day-of-month month day-of-week), "
            f"like '0 10 * * tue'; got {len(fields)} in {cron!r}"
        )
    try:
        return CronTrigger.from_crontab(cron, timezone=ZoneInfo(timezone))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{cron!r} is not a valid cron line: {exc}") from None


def last_fire(trigger: CronTrigger, now: datetime, within: timedelta) -> datetime | None:
    """The latest time ``trigger`` fired at or before ``now``, looking back ``within`` at most:
    the slot a scheduled run stands for, the same on every replica."""
    start = now - within - timedelta(seconds=1)
    slot = None
    fire = trigger.get_next_fire_time(None, start)
    while fire is not None and fire <= now:
        slot = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
    return slot


class ScheduleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    channel: str = Field(min_length=1, max_length=100)
    set_id: str = Field(alias="set", min_length=1, max_length=64)
    cron: str
    timezone: str = "UTC"
    questions: int = Field(2, ge=1, le=3)
    open_hours: int = Field(48, ge=1, le=MAX_OPEN_HOURS)
    reminder: bool = True
    rotation_weeks: int = Field(4, ge=0, le=52)

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        return value.strip().lstrip("#")

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not a time zone; use an IANA name like Europe/Berlin or UTC"
            ) from None
        return value

    @model_validator(mode="after")
    def _cron(self) -> ScheduleSpec:
        cron_trigger(self.cron, self.timezone)
        return self

    def trigger(self) -> CronTrigger:
        return cron_trigger(self.cron, self.timezone)


class SchedulesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schedules: list[ScheduleSpec] = Field(default_factory=list)


def check_sets(spec: ScheduleSpec, sets: Mapping[str, QuestionSet]) -> None:
    """ValueError unless the spec's set exists."""
    if spec.set_id not in sets:
        raise ValueError(
            f"there is no question set {spec.set_id!r}; known sets: {', '.join(sorted(sets))}"
        )


def load_schedules(path: Path, sets: Mapping[str, QuestionSet]) -> list[ScheduleSpec]:
    """Schedules from the operator's YAML file; ConfigError naming file, line and field."""
    data, lines = read_yaml(path)
    if data is None:
        return []
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: expected 'schedules:' with a list of schedules")
    try:
        parsed = SchedulesFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe_errors(path, exc, lines)) from None
    problems = []
    seen: dict[str, int] = {}
    for i, spec in enumerate(parsed.schedules):
        try:
            check_sets(spec, sets)
        except ValueError as exc:
            problems.append(
                f"{path}:{lines.get(('schedules', i, 'set'), '?')}: schedules.{i}.set: {exc}"
            )
        if spec.channel in seen:
            problems.append(
                f"{path}:{lines.get(('schedules', i, 'channel'), '?')}: schedules.{i}.channel: "
                f"{spec.channel!r} already has a schedule (schedules.{seen[spec.channel]}); "
                "a channel has one schedule"
            )
        seen.setdefault(spec.channel, i)
    if problems:
        raise ConfigError("\n".join(problems))
    return parsed.schedules
