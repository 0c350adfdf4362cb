"""What the bot does with each Teams activity: the same recorder, ``/orbit`` answers, surveys
and experiments as in Slack, with the same Block Kit turned into Adaptive Cards.

Replies that Slack shows only to one person (``/orbit`` answers, survey confirmations) are
targeted messages in a channel (only that member sees them) and ordinary messages in a
personal chat; if Teams refuses a targeted message, the reply goes to the member's personal
chat with the bot instead.

Everything here is synchronous and runs on worker threads (see :mod:`bot.adapters.teams.app`);
outbound calls go through the :class:`~bot.adapters.teams.connector.Connector`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from microsoft_teams.api import Account
from sqlalchemy import Engine

from bot.adapters.slack import digest_views, survey_views, views
from bot.adapters.slack.answers import answer_blocks
from bot.adapters.slack.translate import PayloadError
from bot.adapters.teams import cards
from bot.adapters.teams.connector import Connector, ConnectorError, Target
from bot.adapters.teams.posters import TeamsDigestPoster, names_for
from bot.adapters.teams.references import Reference, ReferenceStore
from bot.adapters.teams.translate import (
    ActivityError,
    Event,
    Ignored,
    Installation,
    MembersChanged,
    Message,
    MessageDeleted,
    MessageEdited,
    Person,
    ReactionChange,
    Submit,
    Where,
    member_id,
    parse,
    slug,
)
from bot.core.errors import BadInputError, NotFoundError, PulseError
from bot.core.model import Channel, Member
from bot.core.scoring import ScoringParams
from bot.services.experiments import FormError
from bot.services.live import Recorder
from bot.services.orbit import Kind, OrbitService
from bot.services.surveys import Answered, SurveyClosedError, SurveyService
from storage import activities as stored
from storage import directory as people

log = logging.getLogger(__name__)

Blocks = list[dict[str, Any]]

#: ``action_id`` of the experiment form's submit button.
EXPERIMENT_SUBMIT = "experiment_submit"
#: Invoke response types of Action.Execute (Universal Actions).
INVOKE_MESSAGE = "application/vnd.microsoft.activity.message"
UNKNOWN_SENDER = "I can't tell who you are (Teams sent no user id)."


class TeamsPeople:
    """The Teams directory as the recorder's :class:`~bot.services.live.PeopleSource`: names
    and Teams user ids seen in activities, channel members from the Bot Connector."""

    def __init__(self, connector: Connector, references: ReferenceStore) -> None:
        self.connector = connector
        self.references = references
        self._names: dict[str, str] = {}
        self._member_ids: dict[str, str] = {}
        self._lock = threading.Lock()

    def note(self, who: Person) -> None:
        if who.member_id is None:
            return
        with self._lock:
            if who.name:
                self._names[who.member_id] = who.name
            self._member_ids[who.teams_id] = who.member_id

    def resolve(self, teams_id: str) -> str | None:
        """The member id of a Teams user id (``29:…``) seen before."""
        with self._lock:
            return self._member_ids.get(teams_id)

    def member(self, member_id: str) -> Member | None:
        with self._lock:
            name = self._names.get(member_id)
        return Member(member_id, name) if name else None

    def channel_members(self, channel_id: str) -> list[str]:
        reference = self.references.get(channel_id)
        conversation = (reference.team_id if reference else None) or channel_id
        service_url = reference.service_url if reference else self.references.any_service_url()
        try:
            accounts = self.connector.members(conversation, service_url)
        except ConnectorError as exc:
            log.warning("members of %s not read: %s", channel_id, exc)
            return []
        found = []
        for account in accounts:
            try:
                mid = member_id(account)
            except ActivityError:
                continue
            if mid is None or not isinstance(account.get("id"), str):
                continue
            self.note(Person(mid, account["id"], str(account.get("name") or "")))
            found.append(mid)
        return found


@dataclass
class TeamsBot:
    engine: Engine
    recorder: Recorder
    orbit: OrbitService
    params: ScoringParams
    connector: Connector
    references: ReferenceStore
    people: TeamsPeople
    platform_channel: str
    surveys: SurveyService | None = None
    digest_poster: TeamsDigestPoster | None = None
    #: where replies are made (answering ``orbit`` takes a while; activities are recorded in
    #: order meanwhile); None: at once, on the caller's thread
    replies: Executor | None = None
    _channels: set[str] = field(default_factory=set, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    # ------------------------------------------------------------------ entry points

    def handle(self, body: Mapping[str, Any]) -> None:
        """An activity, after Teams was answered: recorded and replied to. Never raises."""
        try:
            event = parse(body, self.people.resolve)
        except ActivityError as exc:
            log.warning("ignored a malformed Teams activity: %s", exc)
            return
        try:
            self.dispatch(event)
        except Exception:  # one bad activity must not take the worker down
            log.exception("error while handling a Teams %s activity", type(event).__name__)

    def invoke(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """An ``adaptiveCard/action`` invoke (Action.Execute): answered in the HTTP response,
        as a message only the member sees."""
        event = parse(body, self.people.resolve)
        if not isinstance(event, Submit):
            return {"statusCode": 200, "type": INVOKE_MESSAGE, "value": ""}
        self.learn(event.where)
        try:
            blocks = self.submit(event)
        except Exception:
            log.exception("error while handling a Teams card action")
            blocks = views.error_blocks("Something went wrong on my side; please try again.")
        return {"statusCode": 200, "type": INVOKE_MESSAGE, "value": cards.card_summary(blocks)}

    def dispatch(self, event: Event) -> None:
        if isinstance(event, Ignored):
            return
        self.learn(event.where)
        match event:
            case Message():
                self.on_message(event)
            case Submit():
                self.later(self.on_submit, event)
            case ReactionChange():
                self.on_reaction(event)
            case MembersChanged():
                self.on_members(event)
            case Installation():
                if event.action.startswith("remove"):
                    self.references.forget(event.where.channel_id)
            case MessageEdited():
                self.recorder.message_changed(event.chat)
            case MessageDeleted():
                self.recorder.message_deleted(event.where.channel_id, event.message_ts)

    def later(self, work: Callable[[Any], None], event: Event) -> None:
        """Run ``work(event)`` on the reply threads (or now, without them); errors are logged."""

        def run() -> None:
            try:
                work(event)
            except Exception:
                log.exception("error while answering a Teams %s", type(event).__name__)

        if self.replies is None:
            run()
        else:
            self.replies.submit(run)

    # ------------------------------------------------------------------ conversations

    def learn(self, where: Where) -> None:
        """Keep the conversation's reference; a channel seen for the first time is stored with
        its name (and, for the platform team's channel, its members)."""
        if where.kind == "personal":
            return
        self.references.remember(
            where.channel_id,
            Reference(
                conversation_id=where.channel_id if where.is_channel else where.conversation_id,
                service_url=where.service_url,
                bot_id=where.bot_id,
                kind=where.kind,
                name=where.channel_name,
                tenant_id=where.tenant_id,
                team_id=where.team_id,
            ),
        )
        if not where.is_channel:
            return
        with self._lock:
            if where.channel_id in self._channels:
                return
            self._channels.add(where.channel_id)
        with self.engine.begin() as conn:
            people.upsert_channels(conn, [Channel(where.channel_id, where.channel_name)])
        if self.is_platform_channel(where):
            self.recorder.sync_channel(where.channel_id, where.channel_name)
            with self.engine.begin() as conn:  # the team by name, before they say anything
                ids = sorted(people.channel_member_ids(conn, where.channel_id))
                people.upsert_members(conn, [m for i in ids if (m := self.people.member(i))])
            self.recorder.invalidate()

    def is_platform_channel(self, where: Where) -> bool:
        wanted = self.platform_channel.strip().lstrip("#")
        return where.channel_id == wanted or where.channel_name == slug(wanted)

    # ------------------------------------------------------------------ replies

    def reply(self, where: Where, to: Person, blocks: Blocks) -> None:
        """Show ``blocks`` to ``to`` only (see the module docstring). Failures are logged."""
        self.reply_card(where, to, self.card(blocks))

    def reply_card(self, where: Where, to: Person, card: cards.Card) -> None:
        here = Target(where.conversation_id, where.service_url, where.bot_id)
        try:
            if where.kind == "personal":
                self.connector.send(here, card)
                return
            member = Account(id=to.teams_id, name=to.name or None)
            try:
                self.connector.send(here, card, thread_id=where.thread_id, targeted=member)
                return
            except ConnectorError as exc:
                if not exc.permanent:
                    raise
                log.info("targeted reply refused (%s); answering in the personal chat", exc)
            chat = self.connector.personal_chat(member, where.tenant_id, where.service_url)
            self.connector.send(Target(chat, where.service_url, where.bot_id), card)
        except ConnectorError as exc:
            log.warning("could not reply to %s in %s: %s", to.teams_id, where.channel_id, exc)

    # ------------------------------------------------------------------ messages and /orbit

    def on_message(self, message: Message) -> None:
        for person in (message.sender, *message.mentioned):
            self.people.note(person)
        if message.chat is not None:
            self.recorder.message(message.chat)
        if message.command is not None:
            self.later(self.answer_command, message)

    def answer_command(self, message: Message) -> None:
        assert message.command is not None
        if message.sender.member_id is None:
            card = self.card(
                views.error_blocks("I can't tell who you are (Teams sent no user id).")
            )
        else:
            channel = message.where.channel_id if message.where.is_channel else None
            card = self.orbit_card(message.sender.member_id, message.command, channel)
        self.reply_card(message.where, message.sender, card)

    def card(self, blocks: Blocks) -> cards.Card:
        return cards.blocks_to_card(blocks, names_for(self.engine, blocks))

    def orbit_blocks(self, member: str, text: str, channel: str | None) -> Blocks | cards.Card:
        """``orbit …`` as Block Kit, exactly as Slack answers ``/orbit …`` (the experiment form,
        a Slack modal there, comes back as an Adaptive Card form)."""
        self.recorder.flush()  # answers (and erasures) see every event queued before
        try:
            answer = self.orbit.answer(member, text, channel)
        except PulseError as exc:
            return views.error_blocks(str(exc))
        if answer.kind is Kind.PRIVACY:
            self.recorder.invalidate()
        if answer.kind is Kind.EXPERIMENT_FORM:
            modal = digest_views.experiment_modal(answer.channels, today=date.today())
            return cards.modal_to_card(modal, EXPERIMENT_SUBMIT)
        return answer_blocks(answer, self.params)

    def orbit_card(self, member: str, text: str, channel: str | None) -> cards.Card:
        """``orbit …`` answered as an Adaptive Card."""
        try:
            answer = self.orbit_blocks(member, text, channel)
        except Exception:
            log.exception("error while answering orbit %r", text[:80])
            answer = views.error_blocks("Something went wrong on my side; please try again.")
        return answer if isinstance(answer, dict) else self.card(answer)

    # ------------------------------------------------------------------ cards submitted

    def on_submit(self, event: Submit) -> None:
        blocks = self.submit(event)
        if blocks:  # empty: the answer was sent already (the written-answer form)
            self.reply(event.where, event.sender, blocks)

    def submit(self, event: Submit) -> Blocks:
        """A card's button or form: a survey answer, a written answer, a new experiment."""
        member = event.sender.member_id
        if member is None:
            return views.error_blocks(UNKNOWN_SENDER)
        self.people.note(event.sender)
        action = event.data.get("action_id")
        if not isinstance(action, str):
            return views.error_blocks("That card's data is not valid; nothing was stored.")
        if action.startswith(survey_views.ANSWER_ACTION_PREFIX):
            from bot.adapters.slack.surveys import answer_blocks as survey_answer

            if self.surveys is None:
                return views.error_blocks("Surveys are not available here.")
            return survey_answer(self.surveys, member, str(event.data.get("value", "")))
        if action == cards.TEXT_SUBMIT:
            return self.written_answer(member, event.data)
        if action.startswith(survey_views.TEXT_ACTION_PREFIX):
            return self.text_form(event)
        if action == EXPERIMENT_SUBMIT:
            return self.new_experiment(member, event.data)
        return views.error_blocks("That button is not one I know; nothing was stored.")

    def written_answer(self, member: str, data: Mapping[str, Any]) -> Blocks:
        if self.surveys is None:
            return views.error_blocks("Surveys are not available here.")
        run, question, text = data.get("run"), data.get("question"), data.get(cards.TEXT_INPUT_ID)
        try:
            if isinstance(run, str) and run.isdigit():
                run = int(run)
            if not isinstance(run, int) or not isinstance(question, str):
                raise PayloadError("the form names no survey and question")
            if not isinstance(text, str):
                raise PayloadError("the form has no answer field")
            answered = self.surveys.answer(member, run, question, text)
        except PayloadError as exc:
            return views.error_blocks(f"That form's data is not valid ({exc}); nothing was stored.")
        except SurveyClosedError:
            return survey_views.closed_notice_blocks()
        except NotFoundError:
            return survey_views.unknown_run_blocks()
        except BadInputError as exc:
            return views.error_blocks(str(exc))
        return answered_blocks(answered)

    def text_form(self, event: Submit) -> Blocks:
        """A "Write an answer" button that came back as a submit (clients that do not open the
        form in place): the form is sent to the member."""
        if self.surveys is None:
            return views.error_blocks("Surveys are not available here.")
        try:
            run_id, question_id = survey_views.parse_text_value(str(event.data.get("value", "")))
            run = self.surveys.view(run_id)
        except PayloadError as exc:
            return views.error_blocks(f"That click could not be read ({exc}).")
        except NotFoundError:
            return survey_views.unknown_run_blocks()
        question = next((q for q in run.questions if q.id == question_id), None)
        if question is None:
            return survey_views.unknown_run_blocks()
        if run.closed:
            return survey_views.closed_notice_blocks()
        self.reply_card(event.where, event.sender, cards.text_input_card(run, question))
        return []

    def new_experiment(self, member: str, data: Mapping[str, Any]) -> Blocks:
        experiments = self.orbit.experiments
        if experiments is None:
            return views.error_blocks("Experiments are not available here.")
        if not self.orbit.is_team(member):
            return views.refusal_blocks()
        with self.engine.connect() as conn:
            channels = people.channels(conn)
        modal = digest_views.experiment_modal(channels, today=date.today())
        try:
            form = digest_views.read_experiment_form(cards.modal_state(modal, data))
            started = experiments.start(form, created_by=member)
        except PayloadError as exc:
            return views.error_blocks(f"The form was garbled: {exc}")
        except FormError as exc:
            lines = [f"{field}: {message}" for field, message in exc.errors.items()]
            return views.error_blocks("Check the form — " + "; ".join(lines))
        blocks = digest_views.experiment_started_blocks(started)
        if self.digest_poster is not None:
            self.digest_poster.post_started(blocks)
        return blocks

    # ------------------------------------------------------------------ reactions and members

    def _author(self, channel: str, ts: str) -> str | None:
        self.recorder.flush()  # the message may still be queued for the writer
        with self.engine.connect() as conn:
            return stored.thread_starter(conn, channel, ts)

    def on_reaction(self, event: ReactionChange) -> None:
        where, member = event.where, event.sender.member_id
        if not where.is_channel or member is None:
            return
        self.people.note(event.sender)
        for emoji in event.added:
            self._survey_reaction(event, member, emoji, added=True)
            if event.message_ts is not None:
                author = self._author(where.channel_id, event.message_ts)
                self.recorder.reaction_added(
                    where.channel_id, event.message_ts, member, emoji, author, event.ts
                )
        for emoji in event.removed:
            self._survey_reaction(event, member, emoji, added=False)
            if event.message_ts is not None:
                self.recorder.reaction_removed(where.channel_id, event.message_ts, member, emoji)

    def _survey_reaction(self, event: ReactionChange, member: str, emoji: str, added: bool) -> None:
        if self.surveys is None:
            return
        answered = self.surveys.react(
            member, event.where.channel_id, event.message_id, emoji, added
        )
        if answered is not None:
            blocks = answered_blocks(answered)
            self.later(lambda e: self.reply(e.where, e.sender, blocks), event)

    def on_members(self, event: MembersChanged) -> None:
        where = event.where
        if event.bot_removed:
            self.references.forget(where.channel_id)
        if not where.is_channel:
            return
        for added in event.added:
            self.people.note(added)
            if added.member_id is not None:
                self.recorder.member_joined(where.channel_id, added.member_id, event.ts)
        for removed in event.removed:
            if removed.member_id is not None:
                self.recorder.member_left(where.channel_id, removed.member_id)


def answered_blocks(answered: Answered) -> Blocks:
    if answered.removed:
        return survey_views.removed_blocks(answered.question)
    return survey_views.answered_blocks(answered.question, answered.value, answered.closes_at)
