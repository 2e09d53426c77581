"""WeChat and Telegram channels on the real stack (issue #4).

The real Rasa server (with both channels registered from a temporary credentials.yml), the
real action server and the real appeal store run as subprocesses on loopback ports; only the
WeChat and Telegram platform APIs are the loopback stand-ins of `tests/channels/standins.py`.
Callbacks are signed (and, in safe mode, encrypted) exactly as WeChat sends them.

What is checked, from the outside only:
- a WeChat confirmation delivered three times with one MsgId (one after the other, and all at
  once) is one Rasa turn and one ticket, and the user gets the ticket's number exactly once;
- Rasa's `trigger_intent` reaches a WeChat user (customer-service message) and a Telegram chat
  (sendMessage with an inline keyboard) through the channels' output channels.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import redis
import requests

from bot.answers import answer_help
from bot.channels.common.buttons import render_numbered
from bot.store import AppealService, open_service
from tests.channels.conftest import APPID, REDIS_URL, SECRET, TG_SECRET, TG_TOKEN, TOKEN
from tests.channels.servers import serve_standin
from tests.channels.standins import TelegramApi, WeChatApi
from tests.channels.telegram_updates import text_update
from tests.channels.wechat_callbacks import WeChatAccount, new_aes_key, new_msg_id
from tests.e2e.appeal_flow import CONTENT, NUMBER
from tests.e2e.stack import TOKEN as API_TOKEN
from tests.e2e.stack import Stack, running_stack

ENTERPRISE = "南川区青山机械有限公司"
CONTACT = "张三"
PHONE = "13812345678"
HOTLINE = "023-71992345"
CREDENTIALS = (
    "bot.channels.rest.RestInput:\nbot.channels.wechat.WeChatInput:\n"
    "bot.channels.telegram.TelegramInput:\n"
)

T = TypeVar("T")


def poll(get: Callable[[], T], ok: Callable[[T], bool], what: str, timeout: float = 30.0) -> T:
    """`get()` once `ok` holds for it; fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = get()
        if ok(value):
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}; last: {value!r}")
        time.sleep(0.05)


# -- the stack ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wx_api() -> Iterator[WeChatApi]:
    with serve_standin(WeChatApi(APPID, SECRET)) as api:
        yield api  # type: ignore[misc]


@pytest.fixture(scope="module")
def tg_api() -> Iterator[TelegramApi]:
    with serve_standin(TelegramApi(TG_TOKEN)) as api:
        yield api  # type: ignore[misc]


@contextmanager
def channel_stack(
    workdir: Path, wx_api: WeChatApi, tg_api: TelegramApi, **env: str
) -> Iterator[Stack]:
    """The real stack with REST, WeChat and Telegram registered, the platforms on loopback."""
    credentials = workdir / "credentials.yml"
    credentials.write_text(CREDENTIALS, encoding="utf-8")
    extra_env = {
        "WECHAT_TOKEN": TOKEN,
        "WECHAT_APPID": APPID,
        "WECHAT_SECRET": SECRET,
        "WECHAT_API_BASE": f"{wx_api.base_url}/cgi-bin/",
        "TELEGRAM_TOKEN": TG_TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": TG_SECRET,
        "TELEGRAM_API_BASE": tg_api.base_url,
        "NO_PROXY": "127.0.0.1,localhost",
        # Empty means unset for the channels: the developer's own environment must not leak in.
        "WECHAT_AES_KEY": "",
        "WECHAT_TEMPLATE_ID": "",
        "WECHAT_REPLY_BUDGET": "",
        "WECHAT_CLICK_INTENTS": "",
        "REDIS_URL": "",
        "CHANNELS_REDIS_PREFIX": "",
        **env,
    }
    with running_stack(workdir, extra_env=extra_env, credentials=credentials) as stack:
        yield stack


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, wx_api: WeChatApi, tg_api: TelegramApi
) -> Iterator[Stack]:
    """Plain-mode WeChat, channel state in memory (one Rasa process)."""
    with channel_stack(tmp_path_factory.mktemp("full_stack"), wx_api, tg_api) as running:
        yield running


@pytest.fixture(scope="module")
def store(stack: Stack) -> Iterator[AppealService]:
    """The stack's database as the staff console opens it (migrated, units in place)."""
    service = open_service(stack.env["APPEALS_DB_URL"])
    yield service
    service.dispose()


def tracker_events(stack: Stack, sender: str) -> list[dict[str, Any]]:
    response = requests.get(
        f"{stack.rasa_url}/conversations/{sender}/tracker",
        params={"token": API_TOKEN},
        timeout=30,
    )
    response.raise_for_status()
    return list(response.json()["events"])


# -- a WeChat user ------------------------------------------------------------------------


@dataclass
class Delivery:
    status: int
    reply: str | None  # the passive reply's text; None when WeChat was answered "success"


@dataclass
class WeChatUser:
    stack: Stack
    api: WeChatApi
    account: WeChatAccount
    openid: str

    @property
    def url(self) -> str:
        return f"{self.stack.rasa_url}/webhooks/wechat/webhook"

    def deliver(self, xml: str, via: WeChatAccount | None = None) -> Delivery:
        """One signed callback (fresh timestamp and nonce, as each WeChat retry has)."""
        callback = (via or self.account).signed(xml)
        response = requests.post(
            self.url,
            params=callback.params,
            data=callback.body,
            headers={"Content-Type": "text/xml"},
            timeout=30,
        )
        if response.status_code != 200:
            return Delivery(response.status_code, None)
        reply = self.account.read_reply(response.text)
        if reply is None:
            return Delivery(200, None)
        assert (reply["ToUserName"], reply["MsgType"]) == (self.openid, "text"), reply
        return Delivery(200, str(reply["Content"]))

    def pushed(self) -> list[str]:
        return self.api.pushed_texts(self.openid)

    def say(self, text: str, expect: str) -> str:
        """A message with a new MsgId; its whole answer (passive reply, then any pushes),
        once that contains `expect` (a turn over the reply budget is answered by push)."""
        before = len(self.pushed())
        delivery = self.deliver(self.account.text(self.openid, text))
        assert delivery.status == 200

        def answer() -> str:
            return "\n".join([delivery.reply or "", *self.pushed()[before:]])

        return poll(answer, lambda a: expect in a, f"{expect!r} in the answer to {text!r}")


def new_user(stack: Stack, api: WeChatApi, aes_key: str | None = None) -> WeChatUser:
    account = WeChatAccount(TOKEN, APPID, aes_key)
    return WeChatUser(stack, api, account, f"o_e2e_{uuid.uuid4().hex[:20]}")


def fill_form(user: WeChatUser) -> str:
    """The intake up to the read-back; returns the read-back."""
    user.say("我要反映问题", "描述")
    user.say(CONTENT, "企业名称")
    user.say(ENTERPRISE, "联系人")
    user.say(CONTACT, "联系电话")
    readback = user.say(PHONE, "请核对")
    for value in (CONTENT, ENTERPRISE, CONTACT, PHONE):
        assert value in readback
    assert "1. 确认提交" in readback  # the read-back's buttons, as numbered options
    return readback


def deliver_three_times(user: WeChatUser, xml: str, at_once: bool) -> list[Delivery]:
    if not at_once:  # the first delivery, then two retries after it was answered
        return [user.deliver(xml) for _ in range(3)]
    start = threading.Barrier(3)

    def deliver(_: int) -> Delivery:
        start.wait(10)  # the retries arrive while the first delivery is being processed
        return user.deliver(xml)

    with ThreadPoolExecutor(3) as pool:
        return list(pool.map(deliver, range(3)))


def confirm_three_times_is_one_ticket(user: WeChatUser, store: AppealService, at_once: bool) -> str:
    """The intake, then 确认 delivered three times with one MsgId; returns that MsgId."""
    fill_form(user)
    assert store.list_by_sender("wechat", user.openid) == ()  # nothing written before 确认

    msg_id = new_msg_id()
    xml = user.account.text(user.openid, "确认", msg_id)  # one message, delivered three times
    pushed_before = len(user.pushed())
    deliveries = deliver_three_times(user, xml, at_once)
    assert [d.status for d in deliveries] == [200, 200, 200]
    passive = {d.reply for d in deliveries if d.reply is not None}
    assert len(passive) <= 1, passive  # a retry repeats the first delivery's reply

    # Rasa runs one conversation's messages in arrival order (its lock store hands out
    # tickets), so once a later message is answered no turn started by the retries can
    # still be pending: the counts below are final.
    user.say("/help", HOTLINE)

    appeals = store.list_by_sender("wechat", user.openid)
    assert len(appeals) == 1, appeals
    (appeal,) = appeals
    assert NUMBER.fullmatch(appeal.number), appeal.number
    assert (appeal.enterprise, appeal.contact, appeal.phone, appeal.content) == (
        ENTERPRISE,
        CONTACT,
        PHONE,
        CONTENT,
    )
    assert (appeal.channel, appeal.sender_id) == ("wechat", user.openid)

    def heard() -> list[str]:
        return [*passive, *user.pushed()[pushed_before:]]

    got = poll(heard, lambda h: any(appeal.number in t for t in h), "the appeal number")
    receipts = [t for t in got if NUMBER.search(t)]
    assert len(receipts) == 1, got  # the receipt reached the user once, with this number
    assert NUMBER.findall(receipts[0]) == [appeal.number]

    events = tracker_events(user.stack, f"wechat:{user.openid}")
    said = [e for e in events if e["event"] == "user"]
    assert [e["text"] for e in said].count("确认") == 1
    message_id = f"wechat:msg:{user.account.account_id}:{msg_id}"
    assert [e.get("message_id") for e in said].count(message_id) == 1
    assert {e["input_channel"] for e in said} == {"wechat"}
    bot_texts = [e.get("text") or "" for e in events if e["event"] == "bot"]
    assert sum(appeal.number in t for t in bot_texts) == 1
    return msg_id


# -- (a) one MsgId three times: one turn, one ticket ---------------------------------------


def test_a_rest_caller_cannot_take_over_a_wechat_users_form(
    stack: Stack, store: AppealService, wx_api: WeChatApi
) -> None:
    """Issue 14: a REST caller naming the openid, with or without a prefix, reaches a
    conversation of its own: the victim's read-back is neither shown, changed nor submitted."""
    user = new_user(stack, wx_api)
    fill_form(user)
    for sender in (user.openid, f"wechat:{user.openid}", f"rest:{user.openid}"):
        for message in ("/affirm", "确认", '/correct_appeal{"appeal_field":"contact_phone"}'):
            said = "\n".join(m.get("text", "") for m in stack.say(sender, message))
            assert PHONE not in said and ENTERPRISE not in said and CONTENT not in said
            assert not NUMBER.search(said), said
        assert store.list_by_sender("rest", sender) == ()
    assert store.list_by_sender("wechat", user.openid) == ()
    # The victim's form is untouched: confirming now files it with the victim's own data.
    user.say("确认", "ncqhww")
    (appeal,) = store.list_by_sender("wechat", user.openid)
    assert appeal.phone == PHONE and appeal.enterprise == ENTERPRISE


def test_the_rasa_log_holds_no_full_phone_number(stack: Stack) -> None:
    """Issue 14: the channels' log (Rasa's, var/log/rasa.log under `make run`) never holds an
    enterprise's full phone number; the form above sent one through WeChat and REST."""
    log = (stack.workdir / "rasa.log").read_text(encoding="utf-8", errors="replace")
    assert log.strip()  # the server did log
    assert PHONE not in log


def test_wechat_confirmation_retried_after_the_answer_is_one_ticket(
    stack: Stack, store: AppealService, wx_api: WeChatApi
) -> None:
    confirm_three_times_is_one_ticket(new_user(stack, wx_api), store, at_once=False)


def test_wechat_confirmation_retried_during_the_turn_is_one_ticket(
    stack: Stack, store: AppealService, wx_api: WeChatApi
) -> None:
    confirm_three_times_is_one_ticket(new_user(stack, wx_api), store, at_once=True)


# -- (b) proactive messages through trigger_intent ---------------------------------------


def trigger_help(stack: Stack, sender: str, channel: str) -> requests.Response:
    return requests.post(
        f"{stack.rasa_url}/conversations/{sender}/trigger_intent",
        params={"output_channel": channel, "token": API_TOKEN},
        json={"name": "help", "entities": {}},
        timeout=60,
    )


def test_trigger_intent_reaches_a_wechat_user(stack: Stack, wx_api: WeChatApi) -> None:
    openid = f"o_e2e_push_{uuid.uuid4().hex[:16]}"
    response = trigger_help(stack, f"wechat:{openid}", "wechat")
    assert response.status_code == 200, response.text
    help_menu = answer_help()
    assert HOTLINE in help_menu.text
    buttons = [{"title": b.title, "payload": b.payload} for b in help_menu.buttons]
    expected = render_numbered(help_menu.text, buttons)
    pushed = poll(lambda: wx_api.pushed_texts(openid), bool, "a customer-service message")
    assert pushed == [expected]
    assert HOTLINE in pushed[0] and "1. 查材料" in pushed[0]
    assert "messages" not in response.json()  # sent through WeChat, not collected by Rasa


def test_trigger_intent_reaches_a_telegram_chat(stack: Stack, tg_api: TelegramApi) -> None:
    chat_id = 1_000_000_000 + uuid.uuid4().int % 1_000_000_000
    response = trigger_help(stack, f"telegram:{chat_id}", "telegram")
    assert response.status_code == 200, response.text
    help_menu = answer_help()
    sent = poll(lambda: tg_api.sent(chat_id), bool, "a sendMessage")
    assert len(sent) == 1, sent
    assert sent[0]["text"] == help_menu.text and HOTLINE in sent[0]["text"]
    keyboard = sent[0]["reply_markup"]["inline_keyboard"]
    assert [[(b["text"], b["callback_data"]) for b in row] for row in keyboard] == [
        [(b.title, b.payload)] for b in help_menu.buttons
    ]
    assert "messages" not in response.json()  # sent through Telegram, not collected by Rasa


# -- Telegram re-deliveries on the real stack --------------------------------------------


def test_telegram_update_delivered_three_times_is_one_ticket(
    stack: Stack, store: AppealService, tg_api: TelegramApi
) -> None:
    chat_id = 1_000_000_000 + uuid.uuid4().int % 1_000_000_000
    url = f"{stack.rasa_url}/webhooks/telegram/webhook"
    headers = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}

    def post(update: dict[str, Any]) -> None:
        assert requests.post(url, json=update, headers=headers, timeout=60).status_code == 200

    def say(text: str, expect: str) -> None:
        before = len(tg_api.sent(chat_id))
        post(text_update(chat_id, text))
        poll(
            lambda: "\n".join(m["text"] for m in tg_api.sent(chat_id)[before:]),
            lambda a: expect in a,
            f"{expect!r} in the answer to {text!r}",
        )

    say("我要反映问题", "描述")
    say(CONTENT, "企业名称")
    say(ENTERPRISE, "联系人")
    say(CONTACT, "联系电话")
    say(PHONE, "请核对")
    assert store.list_by_sender("telegram", str(chat_id)) == ()

    before = len(tg_api.sent(chat_id))
    update = text_update(chat_id, "确认")
    start = threading.Barrier(3)

    def deliver(_: int) -> None:
        start.wait(10)
        post(update)

    with ThreadPoolExecutor(3) as pool:
        list(pool.map(deliver, range(3)))
    say("/help", HOTLINE)  # handled after anything the re-deliveries could have queued

    (appeal,) = store.list_by_sender("telegram", str(chat_id))
    receipts = [m["text"] for m in tg_api.sent(chat_id)[before:] if NUMBER.search(m["text"])]
    assert len(receipts) == 1 and appeal.number in receipts[0], receipts
    said = [e for e in tracker_events(stack, f"telegram:{chat_id}") if e["event"] == "user"]
    assert [e["text"] for e in said].count("确认") == 1


# -- safe mode, channel state in Redis ----------------------------------------------------


@pytest.fixture
def safe_stack(
    tmp_path_factory: pytest.TempPathFactory, wx_api: WeChatApi, tg_api: TelegramApi
) -> Iterator[tuple[Stack, str]]:
    """Safe-mode WeChat (AES) with the channel state in Redis when one answers on loopback."""
    aes_key = new_aes_key()
    env = {"WECHAT_AES_KEY": aes_key}
    prefix = f"qihu:test:{uuid.uuid4().hex}:"
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
        env |= {"REDIS_URL": REDIS_URL, "CHANNELS_REDIS_PREFIX": prefix}
    except redis.RedisError:
        pass  # no Redis on loopback: safe mode with the state in memory
    workdir = tmp_path_factory.mktemp("full_stack_safe")
    try:
        with channel_stack(workdir, wx_api, tg_api, **env) as running:
            yield running, aes_key
    finally:
        if "REDIS_URL" in env:
            keys = list(client.scan_iter(match=prefix + "*"))
            if keys:
                client.delete(*keys)
        client.close()


def test_wechat_safe_mode_confirmation_retried_during_the_turn_is_one_ticket(
    safe_stack: tuple[Stack, str], wx_api: WeChatApi
) -> None:
    running, aes_key = safe_stack
    user = new_user(running, wx_api, aes_key)
    plain = WeChatAccount(TOKEN, APPID)  # correctly signed, but not encrypted
    assert user.deliver(plain.text(user.openid, "你好"), via=plain).status == 403
    service = open_service(running.env["APPEALS_DB_URL"])
    try:
        msg_id = confirm_three_times_is_one_ticket(user, service, at_once=True)
    finally:
        service.dispose()
    if running.env["REDIS_URL"]:  # the delivery was claimed and settled in Redis
        client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
        key = f"delivery:msg:{user.account.account_id}:{msg_id}"
        raw = client.get(running.env["CHANNELS_REDIS_PREFIX"] + key)
        client.close()
        assert raw is not None and json.loads(raw)["state"] in ("passive", "pushed"), raw
