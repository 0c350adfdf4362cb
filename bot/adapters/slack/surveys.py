"""Pulse surveys in Slack: posting runs (the :class:`SurveyPoster` port) and the interactions
that answer them — buttons, the free-text modal, and listed emoji reactions.

Every interaction gets an ephemeral answer: the answer stored, "this survey has closed", or what
was wrong with a malformed payload. Nothing is stored unless the whole interaction is valid.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.slack import survey_views, views
from bot.adapters.slack.deps import SlackDeps
from bot.adapters.slack.translate import PayloadError
from bot.core.errors import BadInputError, NotFoundError, PulseError
from bot.core.surveys import RunResults, RunView
from bot.services.surveys import Answered, PostFailedError, SurveyClosedError, SurveyService

log = logging.getLogger(__name__)

#: Slack errors that retrying will not fix: the run is given up, and the team told why.
PERMANENT = {
    "not_in_channel": "I'm not in that channel; invite me with `/invite @Community Pulse`.",
    "channel_not_found": "That channel does not exist or I can't see it.",
    "is_archived": "That channel is archived.",
    "restricted_action": "Posting in that channel is restricted.",
}


class SlackSurveyPoster:
    """Posts runs with the Web API: the survey message, a reminder in its thread, and on close
    the updated message plus the results in the thread."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def _call(self, method: str, **kwargs: Any) -> Any:
        try:
            return getattr(self.client, method)(**kwargs)
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown_error"))
            reason = PERMANENT.get(error)
            if reason is not None:
                raise PostFailedError(f"Slack said {error}: {reason}", permanent=True) from None
            raise PostFailedError(f"Slack said {error}", permanent=False) from None

    def post_survey(self, run: RunView) -> str:
        blocks = survey_views.survey_blocks(run)
        views.check_limits(blocks)
        response = self._call(
            "chat_postMessage",
            channel=run.channel,
            blocks=blocks,
            text=views.fallback_text(blocks),
            unfurl_links=False,
        )
        return str(response["ts"])

    def post_reminder(self, run: RunView, message_ref: str) -> None:
        blocks = survey_views.reminder_blocks(run)
        self._call(
            "chat_postMessage",
            channel=run.channel,
            thread_ts=message_ref,
            blocks=blocks,
            text=views.fallback_text(blocks),
        )

    def post_closed(self, results: RunResults, message_ref: str) -> None:
        closed = survey_views.closed_blocks(results.run)
        self._call(
            "chat_update",
            channel=results.run.channel,
            ts=message_ref,
            blocks=closed,
            text=views.fallback_text(closed),
        )
        shown = survey_views.results_blocks(results)
        views.check_limits(shown)
        self._call(
            "chat_postMessage",
            channel=results.run.channel,
            thread_ts=message_ref,
            blocks=shown,
            text=views.fallback_text(shown),
        )


def _user(body: dict[str, Any]) -> str:
    user = (body.get("user") or {}).get("id")
    if not isinstance(user, str) or not user:
        raise PayloadError("the interaction names no user")
    return user


def _action(body: dict[str, Any]) -> dict[str, Any]:
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
        raise PayloadError("the interaction has no action")
    return actions[0]


def _reply(respond: Respond, blocks: list[dict[str, Any]]) -> None:
    respond(
        blocks=blocks,
        text=views.fallback_text(blocks),
        response_type="ephemeral",
        replace_original=False,
    )


def answer_blocks(surveys: SurveyService, user: str, value: str) -> list[dict[str, Any]]:
    """A button click: store the answer, or say why not."""
    try:
        run_id, question_id, option = survey_views.parse_answer_value(value)
        answered = surveys.answer(user, run_id, question_id, option)
    except PayloadError as exc:
        return views.error_blocks(f"That button's data is not valid ({exc}); nothing was stored.")
    except SurveyClosedError:
        return survey_views.closed_notice_blocks()
    except NotFoundError:
        return survey_views.unknown_run_blocks()
    except BadInputError as exc:
        return views.error_blocks(str(exc))
    return _answered(answered)


def _answered(answered: Answered) -> list[dict[str, Any]]:
    if answered.removed:
        return survey_views.removed_blocks(answered.question)
    return survey_views.answered_blocks(answered.question, answered.value, answered.closes_at)


def register(app: App, deps: SlackDeps) -> None:
    surveys = deps.surveys
    if surveys is None:
        return

    @app.action(re.compile(f"^{re.escape(survey_views.ANSWER_ACTION_PREFIX)}"))
    def on_answer(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        try:
            user, value = _user(body), str(_action(body).get("value", ""))
        except PayloadError as exc:
            _reply(respond, views.error_blocks(f"That click could not be read ({exc})."))
            return
        _reply(respond, answer_blocks(surveys, user, value))

    @app.action(re.compile(f"^{re.escape(survey_views.TEXT_ACTION_PREFIX)}"))
    def on_text(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        try:
            _user(body)
            run_id, question_id = survey_views.parse_text_value(str(_action(body).get("value", "")))
            trigger = body.get("trigger_id")
            if not isinstance(trigger, str):
                raise PayloadError("the click has no trigger_id to open a form with")
            run = surveys.view(run_id)
        except PayloadError as exc:
            _reply(respond, views.error_blocks(f"That click could not be read ({exc})."))
            return
        except NotFoundError:
            _reply(respond, survey_views.unknown_run_blocks())
            return
        question = next((q for q in run.questions if q.id == question_id), None)
        if question is None:
            _reply(respond, survey_views.unknown_run_blocks())
        elif run.closed:
            _reply(respond, survey_views.closed_notice_blocks())
        else:
            client.views_open(trigger_id=trigger, view=survey_views.text_modal(run, question))

    @app.view(survey_views.TEXT_MODAL_CALLBACK)
    def on_text_submit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        view = body.get("view") or {}
        try:
            user = _user(body)
            run_id, question_id = survey_views.parse_modal_metadata(
                str(view.get("private_metadata", ""))
            )
            block = ((view.get("state") or {}).get("values") or {}).get(survey_views.TEXT_BLOCK)
            text = ((block or {}).get(survey_views.TEXT_INPUT) or {}).get("value")
            if not isinstance(text, str):
                raise PayloadError("the form has no answer field")
            answered = surveys.answer(user, run_id, question_id, text)
        except (PayloadError, BadInputError, SurveyClosedError, NotFoundError) as exc:
            ack(response_action="errors", errors={survey_views.TEXT_BLOCK: str(exc)})
            return
        ack()
        try:
            run = surveys.view(run_id)
            blocks = _answered(answered)
            client.chat_postEphemeral(
                channel=run.channel, user=user, blocks=blocks, text=views.fallback_text(blocks)
            )
        except (SlackApiError, PulseError) as exc:  # the answer is stored; the thanks is a nicety
            log.warning("could not confirm a written survey answer: %s", exc)


def on_survey_reaction(
    deps: SlackDeps,
    client: WebClient,
    channel: str,
    message_ts: str,
    user: str,
    emoji: str,
    added: bool,
) -> Answered | None:
    """A reaction that may answer a survey: confirm it to the member, ephemerally."""
    if deps.surveys is None:
        return None
    answered = deps.surveys.react(user, channel, message_ts, emoji, added)
    if answered is not None:
        blocks = _answered(answered)
        try:
            client.chat_postEphemeral(
                channel=channel, user=user, blocks=blocks, text=views.fallback_text(blocks)
            )
        except SlackApiError as exc:
            log.warning("could not confirm a survey reaction: %s", exc)
    return answered
