"""Answers of the orbit service as Block Kit: pure (no Slack SDK), so every surface that shows
them (Slack, the console, Teams' cards) says the same thing."""

from __future__ import annotations

from typing import Any

from bot.adapters.slack import digest_views, survey_views, views
from bot.core.scoring import ScoringParams
from bot.services.orbit import Answer, Kind


def answer_blocks(answer: Answer, params: ScoringParams) -> list[dict[str, Any]]:
    """An answer from the orbit service as Block Kit."""
    match answer.kind:
        case Kind.SUMMARY:
            assert answer.summary is not None
            blocks = views.summary_blocks(answer.summary)
            if answer.surveys is not None:
                blocks = views._fit([*blocks, *survey_views.overview_blocks(answer.surveys)])
            return blocks
        case Kind.NOTICE:
            return survey_views.notice_blocks(answer.message)
        case Kind.SCHEDULES:
            return survey_views.schedules_blocks(answer.schedules)
        case Kind.EXPERIMENTS:
            if answer.action == "closed":
                return digest_views.experiment_closed_blocks(answer.experiments[0])
            return digest_views.experiment_list_blocks(answer.experiments)
        case Kind.EXPERIMENT_FORM:
            return survey_views.notice_blocks("The experiment form is open.")
        case Kind.MEMBER:
            assert answer.detail is not None
            return views.member_blocks(answer.detail, own=answer.own, params=params)
        case Kind.HELP:
            return views.help_blocks(is_team=answer.is_team)
        case Kind.USAGE:
            return views.usage_blocks(answer.message, is_team=answer.is_team)
        case Kind.REFUSED:
            return views.refusal_blocks()
        case Kind.PRIVACY:
            return views.privacy_blocks(answer.action, erased=answer.erased)
    raise AssertionError(answer.kind)  # pragma: no cover
