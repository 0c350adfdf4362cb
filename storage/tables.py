"""SQLModel tables. Days are stored as integer epoch days (UTC) so rollup arithmetic is portable
between SQLite and PostgreSQL; timestamps of activities as Unix seconds."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, UniqueConstraint
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
    first_channel: str | None = Field(default=None, max_length=64)


class Channel(SQLModel, table=True):
    __tablename__ = "channel"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(default="", max_length=256, index=True)
    tracked: bool = True


class ChannelMember(SQLModel, table=True):
    __tablename__ = "channel_member"

    channel_id: str = Field(primary_key=True, max_length=64)
    member_id: str = Field(primary_key=True, max_length=64, index=True)


class Activity(SQLModel, table=True):
    __tablename__ = "activity"
    __table_args__ = (Index("ix_activity_day_actor", "day", "actor"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=16)
    actor: str = Field(max_length=64, index=True)
    target: str | None = Field(default=None, max_length=64, index=True)
    channel: str = Field(max_length=64)
    ts: float
    day: int
    ref: str | None = Field(default=None, max_length=100, index=True)
    sentiment: float | None = None
    text: str | None = None


class MemberDay(SQLModel, table=True):
    """Per member, channel and day: activity counts by kind and the sentiment sum."""

    __tablename__ = "member_day"
    __table_args__ = (Index("ix_member_day_day", "day"),)

    member_id: str = Field(primary_key=True, max_length=64)
    channel_id: str = Field(primary_key=True, max_length=64)
    day: int = Field(primary_key=True)
    n_message: int = 0
    n_reply: int = 0
    n_reaction: int = 0
    n_mention: int = 0
    n_join: int = 0
    n_survey_answer: int = 0
    sentiment_sum: float = 0.0
    sentiment_n: int = 0


class PairDay(SQLModel, table=True):
    """Responses of ``source_id`` to ``target_id``'s content per channel and day (for reach)."""

    __tablename__ = "pair_day"
    __table_args__ = (Index("ix_pair_day_day", "day"),)

    source_id: str = Field(primary_key=True, max_length=64)
    target_id: str = Field(primary_key=True, max_length=64)
    channel_id: str = Field(primary_key=True, max_length=64)
    day: int = Field(primary_key=True)
    n_reply: int = 0
    n_reaction: int = 0
    n_mention: int = 0


class Snapshot(SQLModel, table=True):
    """One kept scoring run; ``scope`` is ``""`` for the whole community or a channel id."""

    __tablename__ = "snapshot"
    __table_args__ = (UniqueConstraint("as_of", "scope", name="uq_snapshot_as_of_scope"),)

    id: int | None = Field(default=None, primary_key=True)
    as_of: date
    scope: str = Field(default="", max_length=64)
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
