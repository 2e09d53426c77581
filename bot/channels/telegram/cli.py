"""Telegram tools: register the webhook, or poll for updates during development.

    python -m bot.channels.telegram.cli set-webhook https://<host>/webhooks/telegram/webhook
    python -m bot.channels.telegram.cli delete-webhook
    python -m bot.channels.telegram.cli polling --rasa http://127.0.0.1:5005 [--via rest]

Why polling: a developer machine has no public HTTPS URL for Telegram to call. Polling
fetches updates with getUpdates and hands each one to the local Rasa server, either to the
Telegram webhook route (default; the channel replies itself, exactly as in production) or,
with `--via rest`, to the REST channel, sending its replies from here.

Environment: TELEGRAM_TOKEN; TELEGRAM_WEBHOOK_SECRET (set-webhook, polling via webhook);
TELEGRAM_API_BASE (optional); REDIS_URL (optional, for long button payloads in rest mode).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import httpx
from rasa.core.channels.channel import UserMessage
from telegram import Bot, Update
from telegram.error import NetworkError, TelegramError

from bot import log_safety
from bot.channels.common.state import make_store
from bot.channels.rest import TOKEN_ENV as REST_TOKEN_ENV
from bot.channels.telegram.channel import SECRET_HEADER, TelegramInput
from bot.channels.telegram.settings import DEFAULT_API_BASE, TelegramSettings, make_bot
from bot.channels.telegram.updates import MalformedUpdate, classify

logger = logging.getLogger("telegram_cli")

ALLOWED_UPDATES = ["message", "callback_query"]
Forward = Callable[[Update], Awaitable[None]]


def _env(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        sys.exit(f"{name} is not set.")
    return value


def _api_base() -> str:
    return os.environ.get("TELEGRAM_API_BASE", "").strip() or DEFAULT_API_BASE


async def set_webhook(bot: Bot, url: str, secret: str, drop_pending: bool) -> dict[str, Any]:
    """Register `url` with the secret token; returns Telegram's view of the webhook."""
    async with bot:
        await bot.set_webhook(
            url=url,
            secret_token=secret,
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=drop_pending,
        )
        info = await bot.get_webhook_info()
    return {"url": info.url, "pending_update_count": info.pending_update_count}


def webhook_forwarder(client: httpx.AsyncClient, rasa: str, secret: str) -> Forward:
    """Hand the raw update to the Telegram route of the Rasa server, as Telegram would."""
    url = f"{rasa.rstrip('/')}/webhooks/telegram/webhook"

    async def forward(update: Update) -> None:
        reply = await client.post(url, json=update.to_dict(), headers={SECRET_HEADER: secret})
        reply.raise_for_status()

    return forward


def rest_forwarder(client: httpx.AsyncClient, rasa: str, channel: TelegramInput) -> Forward:
    """Send the update's text to Rasa's REST channel and the replies back to Telegram."""
    url = f"{rasa.rstrip('/')}/webhooks/rest/webhook"
    # The REST channel requires this bearer token when it is set (bot/channels/rest.py).
    token = os.environ.get(REST_TOKEN_ENV, "").strip()
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def on_new_message(message: UserMessage) -> None:
        reply = await client.post(
            url,
            headers=headers,
            json={
                "sender": message.sender_id,
                "message": message.text,
                "metadata": message.metadata or {},
            },
        )
        reply.raise_for_status()
        for answer in reply.json():
            answer.pop("recipient_id", None)
            await message.output_channel.send_response(message.sender_id, answer)

    async def forward(update: Update) -> None:
        try:
            inbound = classify(update)
        except MalformedUpdate as error:
            logger.warning("Telegram update %s dropped: %s", update.update_id, error)
            return
        if inbound is not None:
            await channel.handle(inbound, on_new_message, update.update_id)

    return forward


async def poll(bot: Bot, forward: Forward, once: bool, timeout: int) -> int:
    """Fetch and forward updates; with `once`, one batch then stop. Returns the count."""
    handled = 0
    offset: int | None = None
    async with bot:
        await bot.delete_webhook()  # getUpdates is refused while a webhook is set
        while True:
            try:
                updates = await bot.get_updates(
                    offset=offset, timeout=0 if once else timeout, allowed_updates=ALLOWED_UPDATES
                )
            except NetworkError:
                if once:
                    raise
                logger.warning("getUpdates failed; retrying.", exc_info=True)
                await asyncio.sleep(2)
                continue
            try:
                for update in updates:
                    await forward(update)
                    offset = update.update_id + 1
                    handled += 1
            except (httpx.HTTPError, TelegramError):
                if once:
                    raise
                logger.warning("Forwarding failed; retrying the update.", exc_info=True)
                await asyncio.sleep(2)
                continue
            if once:
                if offset is not None:  # confirm the batch so Telegram drops it
                    await bot.get_updates(offset=offset, timeout=0)
                return handled


async def polling(rasa: str, via: str, once: bool, timeout: int) -> int:
    token = _env("TELEGRAM_TOKEN")
    async with httpx.AsyncClient(timeout=httpx.Timeout(120.0)) as client:
        if via == "webhook":
            forward = webhook_forwarder(client, rasa, _env("TELEGRAM_WEBHOOK_SECRET"))
            return await poll(make_bot(token, _api_base()), forward, once, timeout)
        redis_url = os.environ.get("REDIS_URL", "").strip() or None
        settings = TelegramSettings(token, webhook_secret="unused", api_base=_api_base())
        channel = TelegramInput(settings, make_store(redis_url, settings.redis_prefix))
        return await poll(channel.bot, rest_forwarder(client, rasa, channel), once, timeout)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.channels.telegram.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    hook = commands.add_parser("set-webhook", help="register the public webhook URL")
    hook.add_argument("url")
    hook.add_argument("--drop-pending-updates", action="store_true")
    commands.add_parser("delete-webhook", help="remove the webhook (polling needs this)")
    poller = commands.add_parser("polling", help="development: getUpdates → local Rasa")
    poller.add_argument("--rasa", default="http://127.0.0.1:5005")
    poller.add_argument("--via", choices=["webhook", "rest"], default="webhook")
    poller.add_argument("--once", action="store_true", help="one batch, then exit")
    poller.add_argument("--timeout", type=int, default=25, help="long-poll seconds")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    log_safety.install()  # httpx would log the Bot API URLs, token included

    if args.command == "set-webhook":
        if not args.url.startswith("https://"):
            logger.warning("Telegram only calls https:// webhooks; %s may be refused.", args.url)
        bot = make_bot(_env("TELEGRAM_TOKEN"), _api_base())
        secret = _env("TELEGRAM_WEBHOOK_SECRET")
        info = asyncio.run(set_webhook(bot, args.url, secret, args.drop_pending_updates))
        print(f"Webhook set: {info['url']} ({info['pending_update_count']} updates pending)")
        return 0
    if args.command == "delete-webhook":
        bot = make_bot(_env("TELEGRAM_TOKEN"), _api_base())

        async def delete() -> None:
            async with bot:
                await bot.delete_webhook()

        asyncio.run(delete())
        print("Webhook deleted.")
        return 0
    try:
        handled = asyncio.run(polling(args.rasa, args.via, args.once, args.timeout))
    except KeyboardInterrupt:
        return 0
    print(f"Forwarded {handled} update(s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
