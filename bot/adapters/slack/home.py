"""The App Home tab: a member's own standing; for the platform team also the latest summary and
the orbit map (uploaded once per day and shown from Slack's own file store)."""

from __future__ import annotations

import logging
import threading
from datetime import date
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.adapters.slack import views
from bot.adapters.slack.deps import SlackDeps
from bot.core.errors import NotFoundError
from bot.core.summary import OrbitSummary

log = logging.getLogger(__name__)


class OrbitPictures:
    """Uploads the orbit map of a summary once and remembers the file id per date."""

    def __init__(self) -> None:
        self._files: dict[tuple[date, str | None], str] = {}
        self._lock = threading.Lock()

    def file_id(self, client: WebClient, summary: OrbitSummary) -> str | None:
        key = (summary.as_of, summary.channel)
        with self._lock:
            if key in self._files:
                return self._files[key]
        from bot.render.orbit_map import render_orbit_map

        response = client.files_upload_v2(
            content=render_orbit_map(summary),
            filename=f"orbit-{summary.as_of.isoformat()}.png",
            title=f"Community orbit {summary.as_of.isoformat()}",
        )
        file_id = str(response["file"]["id"]) if response.get("file") else None
        if file_id:
            with self._lock:
                self._files[key] = file_id
        return file_id


def home(
    deps: SlackDeps, client: WebClient, user_id: str, pictures: OrbitPictures
) -> dict[str, Any]:
    is_team = deps.orbit.is_team(user_id)
    summary = deps.orbit.summary() if is_team else None
    try:
        detail = deps.orbit.detail(user_id, summary=summary)
    except NotFoundError:
        detail = None
    image = pictures.file_id(client, summary) if summary is not None and summary.members else None
    return views.home_view(
        detail=detail, summary=summary, image_file_id=image, is_team=is_team, params=deps.params
    )


def register(app: App, deps: SlackDeps) -> None:
    pictures = OrbitPictures()

    @app.event("app_home_opened")
    def app_home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        user_id = str(event.get("user", ""))
        client.views_publish(user_id=user_id, view=home(deps, client, user_id, pictures))
