"""The ``/orbit`` slash command: acknowledge at once, answer (ephemeral) after the work is done."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.adapters.slack import digest_views, views
from bot.adapters.slack.answers import answer_blocks
from bot.adapters.slack.deps import SlackDeps
from bot.core.errors import PulseError
from bot.services.orbit import Answer, Kind

log = logging.getLogger(__name__)


def render(answer: Answer, deps: SlackDeps) -> list[dict[str, Any]]:
    """An answer from the orbit service as Block Kit."""
    return answer_blocks(answer, deps.params)


def handle_orbit(
    deps: SlackDeps,
    user_id: str,
    text: str,
    channel: str | None = None,
    open_modal: Callable[[dict[str, Any]], object] | None = None,
) -> list[dict[str, Any]]:
    deps.recorder.flush()  # answers (and erasures) see every event queued before the command
    try:
        answer = deps.orbit.answer(user_id, text, channel)
    except PulseError as exc:
        return views.error_blocks(str(exc))
    if answer.kind is Kind.PRIVACY:
        deps.recorder.invalidate()
    if answer.kind is Kind.EXPERIMENT_FORM:
        if open_modal is None:
            return views.error_blocks("The experiment form opens from Slack's /orbit command.")
        open_modal(digest_views.experiment_modal(answer.channels, today=date.today()))
    return render(answer, deps)


def register(app: App, deps: SlackDeps) -> None:
    @app.command("/orbit")
    def orbit(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()  # within Slack's 3 seconds; the answer follows through response_url
        channel = body.get("channel_id")
        blocks = handle_orbit(
            deps,
            str(body.get("user_id", "")),
            str(body.get("text", "")),
            channel if isinstance(channel, str) else None,
            open_modal=lambda view: client.views_open(
                trigger_id=str(body.get("trigger_id", "")), view=view
            ),
        )
        respond(
            blocks=blocks,
            text=views.fallback_text(blocks),
            response_type="ephemeral",
            replace_original=False,
        )
