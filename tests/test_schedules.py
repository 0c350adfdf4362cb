"""Survey schedules from YAML: the example file loads, and every mistake names file, line and
field with the fix."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.prompts import SHIPPED, load_question_sets
from bot.schedules import ScheduleSpec, cron_trigger, last_fire, load_schedules
from bot.yamlfile import ConfigError

SETS = load_question_sets([SHIPPED])
EXAMPLE = Path(__file__).resolve().parent.parent / "surveys.example.yaml"


def test_the_example_file_loads_with_defaults_filled_in() -> None:
    specs = load_schedules(EXAMPLE, SETS)
    assert [(s.channel, s.set_id) for s in specs] == [
        ("general", "pulse"),
        ("platform-users", "maturity"),
    ]
    assert specs[1].open_hours == 48
    assert specs[1].reminder is True
    assert specs[1].rotation_weeks == 4


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("schedules:\n  - channel: general\n    set: pulse\n    cron: '0 25 * * tue'\n", ":2:"),
        (
            "schedules:\n  - channel: general\n    set: pulse\n    cron: '0 10 * *'\n",
            "five fields",
        ),
        (
            "schedules:\n  - channel: g\n    set: pulse\n    cron: '0 10 * * *'\n"
            "    timezone: Mars/Base\n",
            "schedules.0.timezone",
        ),
        (
            "schedules:\n  - channel: g\n    set: pulse\n    cron: '0 10 * * *'\n"
            "    questions: 4\n",
            ":5: schedules.0.questions",
        ),
        (
            "schedules:\n  - channel: g\n    set: nope\n    cron: '0 10 * * *'\n",
            ":3: schedules.0.set",
        ),
        (
            "schedules:\n  - channel: g\n    set: pulse\n    cron: '0 10 * * *'\n"
            "  - channel: '#g'\n    set: maturity\n    cron: '0 9 * * *'\n",
            "already has a schedule",
        ),
        ("schedules:\n  - channel: g\n    sett: pulse\n", "sett"),
        ("- just a list\n", "expected 'schedules:'"),
    ],
)
def test_mistakes_name_the_line_and_field(tmp_path: Path, body: str, expected: str) -> None:
    path = tmp_path / "surveys.yaml"
    path.write_text(body)
    with pytest.raises(ConfigError) as caught:
        load_schedules(path, SETS)
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)


def test_the_slot_is_the_latest_scheduled_time_within_the_grace() -> None:
    trigger = cron_trigger("0 10 * * tue", "Europe/Berlin")  # 09:00 UTC in winter
    slot = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert last_fire(trigger, slot + timedelta(minutes=30), timedelta(hours=1)) == slot
    assert last_fire(trigger, slot, timedelta(hours=1)) == slot
    assert last_fire(trigger, slot + timedelta(hours=2), timedelta(hours=1)) is None
    assert last_fire(trigger, slot - timedelta(seconds=1), timedelta(hours=1)) is None


def test_channel_names_lose_their_hash() -> None:
    spec = ScheduleSpec.model_validate({"channel": "#general", "set": "pulse", "cron": "0 9 * * *"})
    assert spec.channel == "general"
