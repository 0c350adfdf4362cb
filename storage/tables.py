"""SQLModel tables. Days are stored as integer epoch days (UTC) so rollup arithmetic is portable
between SQLite and PostgreSQL; timestamps of activities as Unix seconds."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, LargeBinary, UniqueConstraint
from sqlalchemy.types import JSON
from sqlmodel import Field, SQLModel


class Member(SQLModel, table=True):
    __tablename__ = "member"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(default="", max_length=256)
    is_bot: bool = False
    deleted: bool = False
    opted_out: bool = False
    #: First activity ever seen from this member, for reach's "pulled in" bonus.
    first_ts: float | None = None
    first_day: int | None = None
    first_target: str | None = Field(default=None, max_length=64)
    first_channel: str | None = Field(default=None, max_length=100)


class Channel(SQLModel, table=True):
    __tablename__ = "channel"

    id: str = Field(primary_key=True, max_length=100)
    name: str = Field(default="", max_length=256, index=True)
    tracked: bool = True


class ChannelMember(SQLModel, table=True):
    __tablename__ = "channel_member"

    channel_id: str = Field(primary_key=True, max_length=100)
    member_id: str = Field(primary_key=True, max_length=64, index=True)


class Activity(SQLModel, table=True):
    """Every signal. Indexes are only those a query uses: the idempotency key, (actor, day) for
    refreshing one member's rollups and for ``forget``, and ``ref`` for edits and deletions."""

    __tablename__ = "activity"
    __table_args__ = (Index("ix_activity_actor_day", "actor", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    kind: str = Field(max_length=16)
    actor: str = Field(max_length=64)
    target: str | None = Field(default=None, max_length=64)
    channel: str = Field(max_length=100)
    ts: float
    day: int
    ref: str | None = Field(default=None, max_length=160, index=True)
    sentiment: float | None = None
    text: str | None = None


class _MemberCounts(SQLModel):
    n_message: int = 0
    n_reply: int = 0
    n_reaction: int = 0
    n_mention: int = 0
    n_join: int = 0
    n_survey_answer: int = 0
    sentiment_sum: float = 0.0
    sentiment_n: int = 0


class MemberDay(_MemberCounts, table=True):
    """Per member and day, all channels together: activity counts by kind and the sentiment
    sum. One row per member-day is what love is summed over; on SQLite the table is clustered on
    its key (WITHOUT ROWID), so scoring streams through it in order."""

    __tablename__ = "member_day"
    __table_args__ = (Index("ix_member_day_day", "day"), {"sqlite_with_rowid": False})

    member_id: str = Field(primary_key=True, max_length=64)
    day: int = Field(primary_key=True)


class MemberChannelDay(_MemberCounts, table=True):
    """The same counts per channel, for channel views (``/orbit #channel``)."""

    __tablename__ = "member_channel_day"
    __table_args__ = (
        Index("ix_member_channel_day_member_day", "member_id", "day"),
        Index("ix_member_channel_day_day", "day"),
        {"sqlite_with_rowid": False},
    )

    channel_id: str = Field(primary_key=True, max_length=100)
    member_id: str = Field(primary_key=True, max_length=64)
    day: int = Field(primary_key=True)


class _PairCounts(SQLModel):
    n_reply: int = 0
    n_reaction: int = 0
    n_mention: int = 0


class PairDay(_PairCounts, table=True):
    """Responses of ``source_id`` to ``target_id``'s content per day (for reach), clustered in
    the order reach is aggregated: target, source, day."""

    __tablename__ = "pair_day"
    __table_args__ = (
        Index("ix_pair_day_source_day", "source_id", "day"),
        Index("ix_pair_day_day", "day"),
        {"sqlite_with_rowid": False},
    )

    target_id: str = Field(primary_key=True, max_length=64)
    source_id: str = Field(primary_key=True, max_length=64)
    day: int = Field(primary_key=True)


class PairChannelDay(_PairCounts, table=True):
    """The same per channel, for channel views."""

    __tablename__ = "pair_channel_day"
    __table_args__ = (
        Index("ix_pair_channel_day_source_day", "source_id", "day"),
        Index("ix_pair_channel_day_day", "day"),
        {"sqlite_with_rowid": False},
    )

    channel_id: str = Field(primary_key=True, max_length=100)
    target_id: str = Field(primary_key=True, max_length=64)
    source_id: str = Field(primary_key=True, max_length=64)
    day: int = Field(primary_key=True)


class Snapshot(SQLModel, table=True):
    """One kept scoring run; ``scope`` is ``""`` for the whole community or a channel id."""

    __tablename__ = "snapshot"
    __table_args__ = (UniqueConstraint("as_of", "scope", name="uq_snapshot_as_of_scope"),)

    id: int | None = Field(default=None, primary_key=True)
    as_of: date
    scope: str = Field(default="", max_length=100)
    created_at: datetime
    love_threshold: float
    reach_threshold: float
    counts: dict[str, int] = Field(sa_column=Column(JSON, nullable=False))


class SnapshotMember(SQLModel, table=True):
    """Scores of the active members in a snapshot (silent members are not stored: observers)."""

    __tablename__ = "snapshot_member"

    snapshot_id: int = Field(primary_key=True, foreign_key="snapshot.id", ondelete="CASCADE")
    member_id: str = Field(primary_key=True, max_length=64, index=True)
    love: float
    reach: float
    quadrant: str = Field(max_length=16)


class SurveySchedule(SQLModel, table=True):
    """A channel's survey schedule. ``origin`` is ``yaml`` (from PULSE_SURVEYS_FILE, refreshed at
    start-up) or ``command`` (``/orbit survey schedule``; wins over the file for its channel).
    A disabled row keeps a channel's surveys off even if the file schedules it."""

    __tablename__ = "survey_schedule"

    channel_id: str = Field(primary_key=True, max_length=100)
    set_id: str = Field(max_length=64)
    cron: str = Field(max_length=100)
    timezone: str = Field(max_length=64)
    questions: int
    open_hours: int
    reminder: bool
    rotation_weeks: int
    enabled: bool = True
    origin: str = Field(max_length=16)
    updated_at: datetime


class SurveyRun(SQLModel, table=True):
    """One posted survey. ``slot`` is the scheduled time it stands for (UTC), unique per channel,
    which is what makes replicas post a scheduled run once. ``state`` goes posting → open →
    closing → closed; each step is claimed with a conditional UPDATE and a short lease, so
    exactly one replica does it and a replica that dies mid-step is taken over after the lease.
    ``salt`` keys the answer and participation hashes and is erased at close, after which
    nobody (not even the database's owner) can tie an answer to a member."""

    __tablename__ = "survey_run"
    __table_args__ = (
        UniqueConstraint("channel_id", "slot", name="uq_survey_run_channel_slot"),
        Index("ix_survey_run_state", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel_id: str = Field(max_length=100)
    set_id: str = Field(max_length=64)
    question_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    reaction_question: str | None = Field(default=None, max_length=64)
    slot: datetime
    opened_at: datetime
    closes_at: datetime
    remind_at: datetime | None = None
    reminded: bool = False
    state: str = Field(max_length=16)
    lease_until: datetime | None = None
    message_ts: str | None = Field(default=None, max_length=64)
    audience: int | None = None
    respondents: int = 0
    salt: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))


class SurveyAnswer(SQLModel, table=True):
    """One member's current answer to one question of a run. There is no member column: the
    row is found again (to change the answer) by ``answer_key``, a keyed hash of member and
    question under the run's salt, and no timestamp or sequence number orders the rows."""

    __tablename__ = "survey_answer"

    run_id: int = Field(primary_key=True, foreign_key="survey_run.id", ondelete="CASCADE")
    question_id: str = Field(primary_key=True, max_length=64)
    answer_key: str = Field(primary_key=True, max_length=64)
    value: str
    polarity: float | None = None


class SurveyParticipant(SQLModel, table=True):
    """Who took part in a run, as a keyed hash of the member under the run's salt: counts
    respondents (and the response rate) without naming anyone."""

    __tablename__ = "survey_participant"

    run_id: int = Field(primary_key=True, foreign_key="survey_run.id", ondelete="CASCADE")
    member_hash: str = Field(primary_key=True, max_length=64)


class JobClaim(SQLModel, table=True):
    """A periodic job done for one period (retention for a day, the digest for a week): the
    first replica to insert the row does the work, the others see the key taken."""

    __tablename__ = "job_claim"

    name: str = Field(primary_key=True, max_length=64)
    period: str = Field(primary_key=True, max_length=64)
    owner: str = Field(max_length=128)
    claimed_at: datetime


class ExperimentRow(SQLModel, table=True):
    """An experiment of the intervention cycle (``bot.core.experiments``). The baseline is the
    metric's value when it started; ``verdict`` and ``final`` are kept once it ended."""

    __tablename__ = "experiment"

    id: int | None = Field(default=None, primary_key=True)
    hypothesis: str = Field(max_length=500)
    action: str = Field(max_length=500)
    metric: str = Field(max_length=32)
    param: str | None = Field(default=None, max_length=160)
    channel_id: str | None = Field(default=None, max_length=100)
    direction: str = Field(max_length=16)
    threshold: float
    start: date
    end: date
    baseline: float | None = None
    closed: bool = False
    verdict: str | None = Field(default=None, max_length=32)
    final: float | None = None
    created_by: str = Field(max_length=64)
    created_at: datetime
    closed_at: datetime | None = None
