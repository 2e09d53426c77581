"""The few texts a channel says on its own, without asking the dialogue.

Why here: they describe the channel itself (what it can read, that a button is stale),
never a fact about services, so they cannot come from Rasa's domain; keeping them in one
place makes the wording easy to review.
"""

from __future__ import annotations

WECHAT_TEXT_ONLY = "抱歉，我目前只能阅读文字和语音消息，请用文字描述您的问题。"
TELEGRAM_TEXT_ONLY = "抱歉，我目前只能阅读文字消息，请用文字描述您的问题。"
VOICE_UNCLEAR = "抱歉，没能听清这段语音，请改用文字描述您的问题。"
BUSY = "抱歉，系统暂时繁忙，请稍后再试。"
BUTTON_EXPIRED = "该选项已过期，请重新提问。"
CHOOSE = "请选择："
