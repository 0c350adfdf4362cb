"""The /orbit grammar, survey verbs included: what parses, and what each mistake says."""

from __future__ import annotations

import pytest

from bot.core.commands import TEAM_ONLY, Command, UsageError, Verb, parse


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Command(Verb.SUMMARY)),
        ("me", Command(Verb.ME)),
        ("<#C1|general>", Command(Verb.CHANNEL, "C1")),
        ("survey pulse", Command(Verb.SURVEY, None, set_id="pulse")),
        ("survey Pulse <#C1|general>", Command(Verb.SURVEY, "C1", set_id="pulse")),
        (
            "survey maturity #platform-users",
            Command(Verb.SURVEY, "platform-users", set_id="maturity"),
        ),
        ("survey schedule", Command(Verb.SCHEDULES)),
        ("survey schedule #general OFF", Command(Verb.UNSCHEDULE, "general")),
        (
            "survey schedule <#C1|general> pulse 0 10 * * tue tz=Europe/Berlin questions=3 "
            "open=24 reminder=off rotation=2",
            Command(
                Verb.SCHEDULE,
                "C1",
                set_id="pulse",
                cron="0 10 * * tue",
                options=(
                    ("timezone", "Europe/Berlin"),
                    ("questions", "3"),
                    ("open_hours", "24"),
                    ("reminder", "off"),
                    ("rotation_weeks", "2"),
                ),
            ),
        ),
    ],
)
def test_commands_parse(text: str, expected: Command) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("survey", "Name a question set"),
        ("survey pulse general", "is not a channel"),
        ("survey pulse #a #b", "too many arguments"),
        ("survey schedule general pulse 0 10 * * tue", "is not a channel"),
        ("survey schedule #general pulse 0 10", "five cron fields"),
        ("survey schedule #general pulse 0 10 * * tue colour=red", "options are tz="),
        ("survey schedule #general pulse 0 10 * * tue tz=", "I don't understand"),
        ("schedule", "I don't know `schedule`"),
        ("schedules", "I don't know `schedules`"),
        ("summary", "I don't know `summary`"),
    ],
)
def test_mistakes_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse(text)


def test_survey_verbs_are_for_the_platform_team() -> None:
    assert {Verb.SURVEY, Verb.SCHEDULES, Verb.SCHEDULE, Verb.UNSCHEDULE} <= TEAM_ONLY
    assert parse("survey pulse").team_only
