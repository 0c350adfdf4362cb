"""The test harness itself: the real slack_sdk WebClient against FakeSlack, and a real Bolt app
served over HTTP receiving signed requests."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import Ack, App, BoltRequest, Respond, Say
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from tests.adapters.slack.fake_slack import FakeSlack, fake_slack  # noqa: F401
from tests.adapters.slack.signing import (
    FORM,
    JSON,
    action_body,
    block_actions_payload,
    command_body,
    event_body,
    post,
    post_action,
    post_command,
    post_event,
    serve_bolt,
    sign,
    url_verification_body,
)

SECRET = "secret"
FAST = FixedValueRetryIntervalCalculator(0.01)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def client(slack: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=slack.base_url)


# -- Web API ------------------------------------------------------------------------------------


def test_base_url_and_fixture(fake_slack: FakeSlack) -> None:  # noqa: F811
    assert fake_slack.base_url == f"http://127.0.0.1:{fake_slack.port}/api/"
    auth = WebClient(token="xoxb-test", base_url=fake_slack.base_url).auth_test()
    assert auth["user_id"] == "UPULSEBOT"
    assert auth["team_id"] == "T0TEST"
    assert auth.headers["x-oauth-scopes"]


def test_stops_cleanly() -> None:
    with FakeSlack() as slack:
        url = slack.base_url
    # retry_handlers=[]: by default WebClient retries connection errors once after ~0.5-1.5 s
    client = WebClient(token="xoxb-test", base_url=url, timeout=1, retry_handlers=[])
    with pytest.raises(OSError, match="refused"):
        client.auth_test()


def test_post_message_is_recorded_with_params(slack: FakeSlack, client: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    first = client.chat_postMessage(channel="C1", text="hi", blocks=blocks)
    second = client.chat_postMessage(channel="C1", text="again", thread_ts=first["ts"])

    assert first["channel"] == "C1"
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["blocks"] == blocks
    one, two = slack.calls_to("chat.postMessage")
    assert one.params == {"channel": "C1", "text": "hi", "blocks": blocks}
    assert one.encoding == "json"
    assert one.token == "xoxb-test"
    assert one.headers["authorization"] == "Bearer xoxb-test"
    assert one.response is not None
    assert one.response["ts"] == first["ts"]
    assert not one.failed
    assert two.params["thread_ts"] == first["ts"]


def test_form_encoded_json_params_are_decoded(slack: FakeSlack, client: WebClient) -> None:
    blocks = [{"type": "divider"}]
    client.api_call(
        "chat.postMessage",
        params={"channel": "C1", "text": "[not json", "blocks": json.dumps(blocks)},
    )
    [call] = slack.calls_to("chat.postMessage")
    assert call.encoding == "form"
    assert call.params == {"channel": "C1", "text": "[not json", "blocks": blocks}

    client.api_call("users.setPhoto", files={"image": b"\x89PNG"}, data={"crop_x": 1})
    [photo] = slack.calls_to("users.setPhoto")
    assert photo.encoding == "multipart"
    assert photo.params == {"crop_x": "1", "image": b"\x89PNG"}


def test_users_info(slack: FakeSlack, client: WebClient) -> None:
    slack.add_user("U0ALICE", "alice")
    slack.add_user("U0BOT", "robot", is_bot=True, deleted=True)

    alice = client.users_info(user="U0ALICE")["user"]
    assert alice["name"] == "alice"
    assert alice["profile"]["display_name"] == "alice"
    assert client.users_info(user="U0BOT")["user"]["is_bot"] is True
    with pytest.raises(SlackApiError) as raised:
        client.users_info(user="U0NOBODY")
    assert raised.value.response["error"] == "user_not_found"
    assert slack.calls_to("users.info")[0].encoding == "form"
    assert slack.calls_to("users.info")[-1].failed


def test_conversations_members_paginates(slack: FakeSlack, client: WebClient) -> None:
    everyone = [f"U{i:05d}" for i in range(450)]
    slack.channel_members["C1"] = everyone

    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        page = client.conversations_members(channel="C1", limit=200, cursor=cursor)
        seen += page["members"]
        pages += 1
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break

    assert pages == 3
    assert seen == everyone
    assert [c.params["limit"] for c in slack.calls_to("conversations.members")] == ["200"] * 3
    # slack_sdk's own iterator follows the same cursors
    assert sum(len(p["members"]) for p in client.conversations_members(channel="C1")) == 450
    with pytest.raises(SlackApiError, match="channel_not_found"):
        client.conversations_members(channel="C404")
    with pytest.raises(SlackApiError, match="invalid_cursor"):
        client.conversations_members(channel="C1", cursor="garbage")


def test_conversations_info_chat_and_views(slack: FakeSlack, client: WebClient) -> None:
    slack.add_channel("C1", "general", members=["U1"])
    assert client.conversations_info(channel="C1")["channel"] == {
        "id": "C1",
        "name": "general",
        "is_channel": True,
    }
    with pytest.raises(SlackApiError, match="channel_not_found"):
        client.conversations_info(channel="C2")

    ephemeral = client.chat_postEphemeral(channel="C1", user="U1", text="psst")
    assert ephemeral["message_ts"]
    posted = client.chat_postMessage(channel="C1", text="v1")
    updated = client.chat_update(channel="C1", ts=posted["ts"], text="v2")
    assert updated["ts"] == posted["ts"]
    assert updated["message"]["text"] == "v2"
    assert client.chat_delete(channel="C1", ts=posted["ts"])["ts"] == posted["ts"]
    with pytest.raises(SlackApiError, match="no_text"), pytest.warns(UserWarning, match="text"):
        client.chat_postMessage(channel="C1")

    home = {"type": "home", "blocks": [{"type": "divider"}]}
    published = client.views_publish(user_id="U1", view=home)
    assert published["view"]["type"] == "home"
    assert published["view"]["id"]
    opened = client.views_open(trigger_id="t1", view={"type": "modal", "title": "x"})
    updated_view = client.views_update(view_id=opened["view"]["id"], view={"type": "modal"})
    assert updated_view["view"]["id"] == opened["view"]["id"]
    assert slack.calls_to("views.publish")[0].params["view"] == home

    # an unknown method is answered ok and recorded
    assert client.api_call("reactions.add", params={"name": "tada"})["ok"] is True
    assert slack.calls_to("reactions.add")[0].params == {"name": "tada"}


def test_missing_token_is_not_authed(slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError, match="not_authed"):
        WebClient(base_url=slack.base_url).chat_postMessage(channel="C1", text="hi")


def test_files_upload_v2_end_to_end(slack: FakeSlack, client: WebClient) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    result = client.files_upload_v2(
        content=png, filename="orbit.png", title="Orbit", channel="C1", initial_comment="map"
    )

    [file_id] = slack.uploads
    assert slack.uploads[file_id] == png
    assert result["file"]["id"] == file_id
    assert result["file"]["title"] == "Orbit"
    assert slack.methods == [
        "files.getUploadURLExternal",
        "upload_url",
        "files.completeUploadExternal",
    ]
    get_url, _, complete = slack.calls
    assert get_url.params["filename"] == "orbit.png"
    assert get_url.params["length"] == str(len(png))
    assert complete.params["channel_id"] == "C1"
    assert complete.params["initial_comment"] == "map"
    assert complete.params["files"] == [{"id": file_id, "title": "Orbit"}]


def test_response_url_records_json(slack: FakeSlack) -> None:
    url = slack.response_url("r7")
    assert url == f"{slack.root_url}/response/r7"
    response = WebhookClient(url).send(text="done", response_type="ephemeral")
    assert response.status_code == 200
    [call] = slack.calls_to("response_url")
    assert call.params == {"text": "done", "response_type": "ephemeral"}
    assert call.path == "/response/r7"


# -- failures and slack_sdk retries -------------------------------------------------------------


def test_ratelimit_is_retried(slack: FakeSlack) -> None:
    client = WebClient(
        token="xoxb-test",
        base_url=slack.base_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    slack.fail("chat.postMessage", kind="ratelimited", retry_after=0)

    assert client.chat_postMessage(channel="C1", text="hi")["ok"] is True
    limited, ok = slack.calls_to("chat.postMessage")
    assert (limited.status, limited.failed) == (429, True)
    assert limited.response == {"ok": False, "error": "ratelimited"}
    assert (ok.status, ok.failed) == (200, False)
    assert ok.params == limited.params


def test_ratelimit_without_retry_handler_raises(slack: FakeSlack, client: WebClient) -> None:
    slack.fail("chat.postMessage", kind="ratelimited", retry_after=7)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="hi")
    assert raised.value.response.status_code == 429
    assert raised.value.response["error"] == "ratelimited"
    assert raised.value.response.headers["Retry-After"] == "7"
    # the failure was used up: the next call works
    assert client.chat_postMessage(channel="C1", text="hi")["ok"] is True


def test_server_errors_are_retried(slack: FakeSlack) -> None:
    client = WebClient(
        token="xoxb-test",
        base_url=slack.base_url,
        retry_handlers=[ServerErrorRetryHandler(max_retry_count=2, interval_calculator=FAST)],
    )
    slack.fail("users.info", kind="server_error")
    slack.fail("users.info", kind="server_error", status=503)
    slack.add_user("U1", "alice")

    assert client.users_info(user="U1")["user"]["id"] == "U1"
    assert [c.status for c in slack.calls_to("users.info")] == [500, 503, 200]


def test_error_and_disconnect_failures(slack: FakeSlack, client: WebClient) -> None:
    slack.fail("chat.postMessage", kind="error", error="channel_not_found")
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="hi")
    assert raised.value.response.status_code == 200
    assert raised.value.response["error"] == "channel_not_found"

    retrying = WebClient(
        token="xoxb-test",
        base_url=slack.base_url,
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1, interval_calculator=FAST)],
    )
    slack.fail("auth.test", kind="disconnect")
    assert retrying.auth_test()["ok"] is True
    assert [c.failed for c in slack.calls_to("auth.test")] == [True, False]


def test_wait_for_and_thread_safety(slack: FakeSlack, client: WebClient) -> None:
    def burst(n: int) -> None:
        for i in range(5):
            client.chat_postMessage(channel="C1", text=f"{n}-{i}")

    threads = [threading.Thread(target=burst, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    calls = slack.wait_for("chat.postMessage", count=40)
    for thread in threads:
        thread.join()
    assert len(calls) == 40
    assert len({c.response["ts"] for c in slack.calls if c.response}) == 40

    with pytest.raises(AssertionError, match=r"expected 1 call\(s\) to views.open"):
        slack.wait_for("views.open", timeout=0.05)
    slack.reset()
    assert slack.calls == []


# -- signing ------------------------------------------------------------------------------------


def test_sign_matches_slack_sdk_verifier() -> None:
    body = event_body({"type": "app_mention", "text": "hi", "channel": "C1", "user": "U1"})
    headers = sign(SECRET, body)
    ts, sig = headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]

    assert sig.startswith("v0=")
    assert headers["Content-Type"] == JSON
    assert SignatureVerifier(SECRET).is_valid(body, ts, sig)
    assert SignatureVerifier(SECRET).is_valid_request(body, headers)
    assert not SignatureVerifier("other-secret").is_valid(body, ts, sig)
    assert not SignatureVerifier(SECRET).is_valid(body + " ", ts, sig)

    old = sign(SECRET, body, timestamp=int(time.time()) - 600)
    assert not SignatureVerifier(SECRET).is_valid_request(body, old)
    assert sign(SECRET, command_body())["Content-Type"] == FORM


def test_bodies_look_like_slack() -> None:
    envelope = json.loads(event_body({"type": "app_mention"}, event_id="Ev1"))
    assert envelope["type"] == "event_callback"
    assert envelope["event_id"] == "Ev1"
    assert envelope["authorizations"][0]["user_id"] == "UPULSEBOT"
    assert envelope["event"]["event_ts"]

    from urllib.parse import parse_qs

    command = parse_qs(command_body("/orbit", "week", user_id="U9"))
    assert command["command"] == ["/orbit"]
    assert command["text"] == ["week"]
    assert command["user_id"] == ["U9"]
    assert {"team_id", "user_name", "channel_id", "response_url", "trigger_id"} <= set(command)

    payload = parse_qs(action_body({"type": "block_actions"}))["payload"][0]
    assert json.loads(payload) == {"type": "block_actions"}
    assert json.loads(url_verification_body("abc"))["challenge"] == "abc"


# -- a real Bolt app over HTTP ------------------------------------------------------------------


def _bolt_app(slack: FakeSlack) -> App:
    # Pass only `client` (passing `token` too makes Bolt log a warning); App() calls auth.test.
    client = WebClient(token="xoxb-test", base_url=slack.base_url)
    return App(signing_secret=SECRET, client=client)


def test_bolt_app_mention_round_trip(slack: FakeSlack) -> None:
    app = _bolt_app(slack)
    seen_retry: list[Any] = []

    @app.event("app_mention")
    def mention(event: dict[str, Any], say: Say, request: BoltRequest) -> None:
        seen_retry.append(request.headers.get("x-slack-retry-num"))
        say(f"hi <@{event['user']}>")

    event = {"type": "app_mention", "user": "U0ALICE", "text": "<@UPULSEBOT> hi", "channel": "C1"}
    with serve_bolt(app) as url:
        forged = post_event(url, SECRET, event, signature="v0=" + "0" * 64)
        stale = post_event(url, SECRET, event, timestamp=int(time.time()) - 600)
        wrong_secret = post_event(url, "not-the-secret", event)
        status, _, _ = post_event(url, SECRET, event, retry_num=1, retry_reason="http_timeout")
        [call] = slack.wait_for("chat.postMessage")

    assert [forged[0], stale[0], wrong_secret[0]] == [401, 401, 401]
    assert status == 200
    # Bolt's say() adds the team_id of the request
    assert call.params == {"channel": "C1", "text": "hi <@U0ALICE>", "team_id": "T0TEST"}
    assert seen_retry == [["1"]]
    assert slack.methods == ["auth.test", "chat.postMessage"]


def test_bolt_command_action_and_url_verification(slack: FakeSlack) -> None:
    app = _bolt_app(slack)

    @app.command("/orbit")
    def orbit(ack: Ack, respond: Respond, command: dict[str, Any]) -> None:
        ack()
        respond(f"orbit for {command['text']}")

    @app.action("refresh")
    def refresh(ack: Ack, respond: Respond, body: dict[str, Any]) -> None:
        ack()
        respond(text=f"refreshed {body['actions'][0]['value']}", replace_original=True)

    with serve_bolt(app) as url:
        cmd = post_command(url, SECRET, "/orbit", "week", response_url=slack.response_url("cmd"))
        payload = block_actions_payload("refresh", "7", response_url=slack.response_url("act"))
        act = post_action(url, SECRET, payload)
        challenge = post(url, SECRET, url_verification_body("xyz"), content_type=JSON)
        slack.wait_for("response_url", count=2)

    assert (cmd[0], act[0]) == (200, 200)
    assert challenge[0] == 200
    assert json.loads(challenge[2]) == {"challenge": "xyz"}
    by_path = {c.path: c.params for c in slack.calls_to("response_url")}
    assert by_path["/response/cmd"]["text"] == "orbit for week"
    assert by_path["/response/act"] == {"text": "refreshed 7", "replace_original": True}
