"""Surveys and the digest in Teams: the :class:`SurveyPoster` and :class:`DigestPoster` ports.

A survey is a card posted as a new conversation in its channel; its reminder and results are
replies in that thread, and on close the card is replaced by the closed one. The digest is
posted on its own in the platform team's channel, pictures inline as data URIs (Teams does not
count base64 images towards a message's size; each is kept within 1024 × 1024 pixels).
"""

from __future__ import annotations

import base64
import io
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import Engine

from bot.adapters.slack import digest_views, survey_views
from bot.adapters.teams import cards
from bot.adapters.teams.connector import Connector, ConnectorError, Target
from bot.adapters.teams.references import Reference, ReferenceStore
from bot.core.digest import Digest
from bot.core.errors import PulseError
from bot.core.experiments import ExperimentStatus
from bot.core.surveys import RunResults, RunView
from bot.services.surveys import PostFailedError
from storage import directory as people

log = logging.getLogger(__name__)

#: Largest picture Teams shows (pixels a side).
MAX_PICTURE = 1024

Blocks = list[dict[str, Any]]


def names_for(engine: Engine, blocks: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Names for the member and channel ids the blocks mention, and for every known channel
    (Teams channel ids appear in plain text, where no ``<#…>`` marks them)."""
    wanted = cards.mentioned_ids(blocks)
    with engine.connect() as conn:
        names = dict(people.channels(conn))
        names |= people.member_names(conn, wanted - set(names))
    return names


def target(reference: Reference) -> Target:
    return Target(reference.conversation_id, reference.service_url, reference.bot_id)


def channel_target(references: ReferenceStore, channel_id: str, connector: Connector) -> Target:
    """Where to post in a channel: its reference, or — for a channel not seen since the
    references were lost — the channel id with the service URL of this tenant's other
    conversations (they are per region) or the default one. If the bot is not in that team,
    the Bot Connector refuses, and the post fails for good."""
    found = references.get(channel_id)
    if found is not None:
        return target(found)
    return Target(channel_id, references.any_service_url() or connector.service_url(None))


def _failed(exc: ConnectorError) -> PostFailedError:
    return PostFailedError(f"Teams said: {exc}", permanent=exc.permanent)


class TeamsSurveyPoster:
    """Posts runs with the Bot Connector (see the module docstring)."""

    def __init__(self, connector: Connector, references: ReferenceStore, engine: Engine) -> None:
        self.connector = connector
        self.references = references
        self.engine = engine

    def _card(self, blocks: Blocks) -> cards.Card:
        return cards.blocks_to_card(blocks, names_for(self.engine, blocks))

    def post_survey(self, run: RunView) -> str:
        where = channel_target(self.references, run.channel, self.connector)
        blocks = survey_views.survey_blocks(run)
        try:
            return self.connector.send(
                where, cards.survey_card(run, names_for(self.engine, blocks))
            )
        except ConnectorError as exc:
            raise _failed(exc) from None

    def post_reminder(self, run: RunView, message_ref: str) -> None:
        where = channel_target(self.references, run.channel, self.connector)
        try:
            self.connector.send(
                where, self._card(survey_views.reminder_blocks(run)), thread_id=message_ref
            )
        except ConnectorError as exc:
            raise _failed(exc) from None

    def post_closed(self, results: RunResults, message_ref: str) -> None:
        where = channel_target(self.references, results.run.channel, self.connector)
        try:
            self.connector.update(
                where, message_ref, self._card(survey_views.closed_blocks(results.run))
            )
            self.connector.send(
                where, self._card(survey_views.results_blocks(results)), thread_id=message_ref
            )
        except ConnectorError as exc:
            raise _failed(exc) from None


def data_uri(png: bytes, max_side: int = MAX_PICTURE) -> str:
    """A PNG as a data URI, scaled down to ``max_side`` pixels a side if it is larger."""
    from PIL import Image  # matplotlib's own dependency

    with Image.open(io.BytesIO(png)) as image:
        if max(image.size) > max_side:
            image.thumbnail((max_side, max_side))
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=True)
            png = out.getvalue()
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


class TeamsDigestPoster:
    """Posts to the platform team's channel (its id is looked up when first needed)."""

    def __init__(
        self,
        connector: Connector,
        references: ReferenceStore,
        engine: Engine,
        channel: Callable[[], str | None],
    ) -> None:
        self.connector = connector
        self.references = references
        self.engine = engine
        self._channel = channel

    def channel(self) -> Target:
        found = self._channel()
        if found is None:
            raise PulseError(
                "I can't find the platform team's channel (PULSE_PLATFORM_CHANNEL); "
                "add the app to that team so I can post the digest."
            )
        return channel_target(self.references, found, self.connector)

    def _post(self, blocks: Blocks, images: Mapping[str, str] | None = None) -> None:
        card = cards.blocks_to_card(blocks, names_for(self.engine, blocks), images)
        try:
            self.connector.send(self.channel(), card)
        except ConnectorError as exc:
            raise PulseError(f"Teams refused the post: {exc}") from None

    def post_digest(self, digest: Digest) -> None:
        from bot.adapters.slack.digest import pictures

        images = {key: data_uri(png) for key, png in pictures(digest).items()}
        blocks = digest_views.digest_blocks(digest, images={key: key for key in images})
        self._post(blocks, images)

    def post_verdict(self, status: ExperimentStatus) -> None:
        try:
            self._post(digest_views.experiment_verdict_blocks(status))
        except PulseError as exc:
            log.warning("experiment verdict not posted: %s", exc)

    def post_started(self, blocks: Blocks) -> None:
        try:
            self._post(blocks)
        except PulseError as exc:
            log.warning("experiment start not announced: %s", exc)
