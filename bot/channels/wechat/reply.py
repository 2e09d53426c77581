"""Passive replies: the XML answer WeChat takes from the callback's HTTP response.

Why not `TextReply(...).render()` alone: wechatpy writes the content into a CDATA section
as is, so a `]]>` in a bot text would end the section and let the rest be read as XML.
"""

from __future__ import annotations

from wechatpy.crypto import WeChatCrypto
from wechatpy.replies import TextReply

from bot.channels.common.text import cdata_safe, xml_safe

# One passive reply carries one text of at most this many UTF-8 bytes.
PASSIVE_TEXT_LIMIT = 2048


def render_text_reply(
    text: str,
    account: str,
    openid: str,
    crypto: WeChatCrypto | None = None,
    nonce: str = "",
) -> str:
    """The reply XML for `text`, encrypted when the account runs in safe mode."""
    reply = TextReply(source=xml_safe(account), target=xml_safe(openid), content=cdata_safe(text))
    xml: str = reply.render()
    if crypto is not None:
        xml = crypto.encrypt_message(xml, nonce)
    return xml
