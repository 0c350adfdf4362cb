"""Experiments: kept from the modal that starts them to the verdict that ends them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from bot.core.experiments import Experiment, Metric, MetricSpec, Verdict
from storage.sql import EXPERIMENT


def _experiment(row: Any) -> Experiment:
    return Experiment(
        id=row.id,
        hypothesis=row.hypothesis,
        action=row.action,
        spec=MetricSpec(Metric(row.metric), row.param, row.channel_id),
        direction="increase" if row.direction == "increase" else "decrease",
        threshold=row.threshold,
        start=row.start,
        end=row.end,
        baseline=row.baseline,
        closed=row.closed,
        verdict=None if row.verdict is None else Verdict(row.verdict),
        final=row.final,
    )


def create(
    conn: Connection,
    *,
    hypothesis: str,
    action: str,
    spec: MetricSpec,
    direction: str,
    threshold: float,
    start: date,
    end: date,
    baseline: float | None,
    created_by: str,
    now: datetime,
) -> Experiment:
    key = conn.execute(
        insert(EXPERIMENT).values(
            hypothesis=hypothesis,
            action=action,
            metric=spec.metric.value,
            param=spec.param,
            channel_id=spec.channel,
            direction=direction,
            threshold=threshold,
            start=start,
            end=end,
            baseline=baseline,
            closed=False,
            created_by=created_by,
            created_at=now,
        )
    ).inserted_primary_key
    assert key is not None
    found = get(conn, int(key[0]))
    assert found is not None
    return found


def get(conn: Connection, experiment_id: int) -> Experiment | None:
    row = conn.execute(select(EXPERIMENT).where(EXPERIMENT.c.id == experiment_id)).first()
    return None if row is None else _experiment(row)


def all_experiments(conn: Connection) -> list[Experiment]:
    rows = conn.execute(select(EXPERIMENT).order_by(EXPERIMENT.c.closed, EXPERIMENT.c.id))
    return [_experiment(r) for r in rows]


def close(
    conn: Connection, experiment_id: int, verdict: Verdict, final: float | None, now: datetime
) -> bool:
    """End a running experiment with its verdict; False if it had ended already (another
    replica, or a second close)."""
    result = conn.execute(
        update(EXPERIMENT)
        .where((EXPERIMENT.c.id == experiment_id) & EXPERIMENT.c.closed.is_(False))
        .values(closed=True, verdict=verdict.value, final=final, closed_at=now)
    )
    return result.rowcount == 1
