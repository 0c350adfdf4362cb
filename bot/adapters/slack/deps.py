"""What the Slack listeners need, wired once by the bootstrap."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.core.scoring import ScoringParams
from bot.services.live import Recorder
from bot.services.orbit import OrbitService
from bot.services.surveys import SurveyService

if TYPE_CHECKING:
    from bot.adapters.slack.digest import SlackDigestPoster


@dataclass
class SlackDeps:
    recorder: Recorder
    orbit: OrbitService
    params: ScoringParams
    surveys: SurveyService | None = None
    digest_poster: SlackDigestPoster | None = None
