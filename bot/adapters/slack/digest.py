"""The digest and experiments in Slack: the poster (pictures uploaded with ``files_upload_v2``,
then the Block Kit digest in the platform team's channel) and the experiment form's listener."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.slack import digest_views, views
from bot.adapters.slack.deps import SlackDeps
from bot.adapters.slack.translate import PayloadError
from bot.core.digest import Digest
from bot.core.errors import PulseError
from bot.core.experiments import ExperimentStatus
from bot.services.experiments import FormError

log = logging.getLogger(__name__)


def pictures(digest: Digest) -> dict[str, bytes]:
    """The digest's pictures by key; survey pictures only when there is a reading to draw."""
    from bot.render.charts import (
        render_culture_bar,
        render_journey_funnel,
        render_maturity_heatmap,
        render_quadrant_history,
    )
    from bot.render.orbit_map import render_orbit_map

    out = {
        "orbit": render_orbit_map(
            digest.summary, digest.previous or None, previous_as_of=digest.previous_as_of
        ),
        "quadrants": render_quadrant_history(digest.history),
    }
    overview = digest.surveys
    if overview is not None:
        if overview.maturity:
            out["maturity"] = render_maturity_heatmap(overview.maturity)
        if overview.culture is not None:
            out["culture"] = render_culture_bar(overview.culture)
        if overview.journey is not None:
            out["journey"] = render_journey_funnel(overview.journey)
    return out


class SlackDigestPoster:
    """Posts to the platform team's channel (its id is looked up when first needed)."""

    def __init__(self, client: WebClient, channel: Callable[[], str | None]) -> None:
        self.client = client
        self._channel = channel

    def channel(self) -> str:
        found = self._channel()
        if found is None:
            raise PulseError(
                "I can't find the platform team's channel (PULSE_PLATFORM_CHANNEL); "
                "invite me there so I can post the digest."
            )
        return found

    def _upload(self, key: str, png: bytes, digest: Digest) -> str | None:
        try:
            response = self.client.files_upload_v2(
                content=png,
                filename=f"{key}-{digest.period}.png",
                title=f"{key.title()} · {digest.period}",
            )
        except SlackApiError as exc:
            log.warning("digest picture %s not uploaded: %s", key, exc)
            return None
        file = response.get("file") or {}
        return str(file["id"]) if file.get("id") else None

    def post_digest(self, digest: Digest) -> None:
        channel = self.channel()
        images = {
            key: file_id
            for key, png in pictures(digest).items()
            if (file_id := self._upload(key, png, digest)) is not None
        }
        blocks = digest_views.digest_blocks(digest, images=images)
        views.check_limits(blocks)
        try:
            self.client.chat_postMessage(
                channel=channel, blocks=blocks, text=views.fallback_text(blocks)
            )
        except SlackApiError as exc:
            raise PulseError(f"Slack refused the digest: {exc.response.get('error')}") from None

    def post_verdict(self, status: ExperimentStatus) -> None:
        blocks = digest_views.experiment_verdict_blocks(status)
        try:
            self.client.chat_postMessage(
                channel=self.channel(), blocks=blocks, text=views.fallback_text(blocks)
            )
        except SlackApiError as exc:
            log.warning("experiment verdict not posted: %s", exc)

    def post_started(self, blocks: list[dict[str, Any]]) -> None:
        try:
            self.client.chat_postMessage(
                channel=self.channel(), blocks=blocks, text=views.fallback_text(blocks)
            )
        except (SlackApiError, PulseError) as exc:
            log.warning("experiment start not announced: %s", exc)


def register(app: App, deps: SlackDeps) -> None:
    experiments = deps.orbit.experiments
    if experiments is None:
        return

    @app.view(digest_views.EXPERIMENT_CALLBACK)
    def on_experiment(ack: Ack, body: dict[str, Any]) -> None:
        user = str((body.get("user") or {}).get("id", ""))
        if not deps.orbit.is_team(user):
            ack(response_action="errors", errors={"hypothesis": "Only the platform team can."})
            return
        try:
            state = ((body.get("view") or {}).get("state") or {}).get("values")
            if not isinstance(state, dict):
                raise PayloadError("the form has no values")
            form = digest_views.read_experiment_form(state)
            started = experiments.start(form, created_by=user)
        except PayloadError as exc:
            ack(response_action="errors", errors={"hypothesis": f"The form was garbled: {exc}"})
            return
        except FormError as exc:
            ack(**digest_views.form_errors(exc.errors))
            return
        ack()
        if deps.digest_poster is not None:
            deps.digest_poster.post_started(digest_views.experiment_started_blocks(started))
