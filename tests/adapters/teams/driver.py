"""The shared conversation suite's driver for Teams (see ``tests/conversations/drivers.py``):
members talk in #general (channel ``C1``) and the platform team sits in ``CTEAM``, as for the
other platforms; activities go to ``/api/messages`` and what the bot posted comes back from the
fake Bot Connector as text lines.

tests/conversations/test_conversations.py runs the shared suite with this driver too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from storage import surveys as runs
from tests.adapters.teams.fake_connector import Call, FakeConnector, account
from tests.adapters.teams.harness import Clock, Teams, TeamsBot, launch
from tests.conversations.drivers import MEMBERS, NOW, TEAM, seed

GENERAL: dict[str, Any] = {
    "channel": "C1",
    "name": "general",
    "team": "T1",
    "team_name": "Community",
}
PLATFORM: dict[str, Any] = {
    "channel": "CTEAM",
    "name": "platform-team",
    "team": "T2",
    "team_name": "Platform",
}


def card_lines(card: Mapping[str, Any]) -> list[str]:
    """An Adaptive Card as text lines: text blocks, facts as ``title: value``, buttons as
    ``[value] title``, pictures by their alt text."""
    lines: list[str] = []

    def walk(elements: Any) -> None:
        for element in elements or []:
            kind = element.get("type")
            if kind == "TextBlock":
                lines.extend(str(element.get("text", "")).replace("**", "").splitlines())
            elif kind == "FactSet":
                lines.extend(f"{f['title']}: {f['value']}" for f in element.get("facts", []))
            elif kind == "ColumnSet":
                for column in element.get("columns", []):
                    walk(column.get("items"))
            elif kind == "Image":
                lines.append(f"[picture: {element.get('altText', '')}]")
            elif kind == "ActionSet":
                buttons = []
                for action in element.get("actions", []):
                    value = str(action.get("data", {}).get("value", ""))
                    option = value.rsplit("|", 1)[-1] if value.count("|") == 2 else ""
                    buttons.append(f"[{option}] {action.get('title')}")
                lines.append("  " + "  ".join(buttons))

    walk(card.get("body"))
    return [line for line in lines if line.strip()]


def text(call: Call) -> str:
    return "\n".join(card_lines(call.card))


@dataclass
class TeamsDriver:
    fake: FakeConnector
    bot: TeamsBot
    teams: Teams
    name: str = "teams"
    _survey: Call | None = None
    _authors: dict[str, str] = field(default_factory=dict)

    @property
    def engine(self) -> Engine:
        return self.bot.engine

    def _ok(self, activity: dict[str, Any]) -> None:
        response = self.bot.post(activity)
        assert response.status_code == 200, response.text

    def post(self, member: str, text: str, reply_to: str | None = None) -> str:
        body = self.teams.message(member, text, thread=reply_to, **GENERAL)
        self._ok(body)
        return str(body["id"])

    def react(self, member: str, ref: str, emoji: str) -> None:
        self._ok(self.teams.reaction(member, ref, added=[emoji], **GENERAL))

    def orbit(self, member: str, text_: str) -> str:
        chat = f"a:personal-29:{member}"
        before = len(self.fake.sent(conversation=chat))
        self._ok(self.teams.personal(member, f"orbit {text_}".strip()))
        return text(self.fake.wait_for(lambda c: c.conversation == chat, before + 1)[-1])

    def start_survey(self, set_id: str) -> list[str]:
        self.orbit(TEAM, f"survey {set_id} #general")
        [self._survey] = self.fake.wait_for(lambda c: c.kind == "post" and c.conversation == "C1")
        return card_lines(self._survey.card)

    def answer(self, member: str, question: int, value: str) -> str:
        assert self._survey is not None
        sets = [e for e in self._survey.card["body"] if e["type"] == "ActionSet"]
        data = next(
            a["data"]
            for a in sets[question - 1]["actions"]
            if str(a.get("data", {}).get("value", "")).endswith(f"|{value}")
        )
        mine = f"29:{member}"
        before = len([c for c in self.fake.sent("targeted") if c.recipient == mine])
        self._ok(self.teams.submit(member, data, reply_to=self._survey.response["id"], **GENERAL))
        calls = self.fake.wait_for(
            lambda c: c.kind == "targeted" and c.recipient == mine, before + 1
        )
        return text(calls[-1])

    def close_survey(self) -> str:
        assert self._survey is not None
        with self.engine.connect() as conn:
            [open_run] = runs.runs(conn, state=runs.OPEN)
        self.bot.runtime.surveys.close(open_run.id)
        thread = f"C1;messageid={self._survey.response['id']}"
        return text(self.fake.wait_for(lambda c: c.kind == "post" and c.conversation == thread)[-1])

    def digest(self) -> str:
        self.orbit(TEAM, "digest")
        return text(
            self.fake.wait_for(lambda c: c.kind == "post" and c.conversation == "CTEAM")[-1]
        )


@contextmanager
def teams_driver(tmp: Path) -> Iterator[TeamsDriver]:
    with FakeConnector() as fake:
        fake.add_members("T2", [account(TEAM)])
        fake.add_members("T1", [account(m) for m in [*MEMBERS, TEAM]])
        bot = launch(fake, tmp / "teams.db", clock=Clock(NOW))
        try:
            seed(bot.engine)
            teams = Teams(fake.url)
            driver = TeamsDriver(fake, bot, teams)
            driver._ok(teams.installed(**PLATFORM))  # the app is added to the platform team
            bot.settle()
            yield driver
        finally:
            bot.stop()
