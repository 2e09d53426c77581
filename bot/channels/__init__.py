"""Messaging channels of the assistant: WeChat official account, Telegram and REST.

All are Rasa custom input channels (registered in credentials.yml by class path:
`bot.channels.wechat.WeChatInput`, `bot.channels.telegram.TelegramInput`,
`bot.channels.rest.RestInput`). One package per platform (`wechat/`, `telegram/`), and
`common/` for what they share. They only carry messages: every answer that states a fact
comes from the dialogue, the channels add nothing but short notes about what they can read.
"""
