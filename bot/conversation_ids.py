"""Conversation ids namespaced by channel: ``wechat:<openid>``, ``telegram:<chat id>``,
``rest:<sender>``.

Why: Rasa keys a conversation by its sender id alone. With bare ids, a caller of one channel
(e.g. the REST webhook) who names another channel's user (a WeChat openid) reaches that user's
conversation, form and appeals. Every input channel therefore builds its conversation ids here,
from the identity its platform vouches for, and the actions read the channel back from the id,
never from anything a caller can choose (such as REST's ``input_channel`` field).

The appeal store keeps the channel and the bare sender id in two columns, as before, so appeals
filed before the ids were namespaced are found unchanged; :func:`conversation_id` turns a stored
pair back into the conversation the reminder scheduler must reach.
"""

from __future__ import annotations

WECHAT = "wechat"
TELEGRAM = "telegram"
REST = "rest"
# Channels whose conversations are namespaced; an id in one of these namespaces is only ever
# produced by that channel.
NAMESPACES = (WECHAT, TELEGRAM, REST)
SEPARATOR = ":"


class ForeignConversation(ValueError):
    """An id of another channel's namespace was handed to a channel (refused, never sent)."""


def conversation_id(channel: str, sender: str) -> str:
    """The conversation of ``sender`` on ``channel`` (``wechat``, ``o123`` -> ``wechat:o123``).

    An id that already carries the channel's own prefix is returned unchanged; channels outside
    :data:`NAMESPACES` (``cmdline``, tests) keep their bare ids.
    """
    if channel not in NAMESPACES:
        return sender
    prefix = channel + SEPARATOR
    return sender if sender.startswith(prefix) else prefix + sender


def split_conversation_id(conversation: str) -> tuple[str | None, str]:
    """(channel, bare sender) of a namespaced id; (None, id) for an id without a namespace."""
    channel, separator, sender = conversation.partition(SEPARATOR)
    if separator and channel in NAMESPACES:
        return channel, sender
    return None, conversation


def owner_of(conversation: str, latest_input_channel: str | None) -> tuple[str, str]:
    """(channel, sender id) that own the appeals and subscriptions this conversation may see.

    The namespace of the id decides. An id without one (``rasa shell``, a conversation started
    before the ids were namespaced) counts as a REST id when its claimed input channel is one of
    the namespaced channels, since a bare id can never prove it belongs to WeChat or Telegram.
    """
    channel, sender = split_conversation_id(conversation)
    if channel is not None:
        return channel, sender
    claimed = latest_input_channel or REST
    return (REST if claimed in NAMESPACES else claimed), conversation


def recipient_for(channel: str, recipient_id: str) -> str:
    """The platform id to send to for ``recipient_id`` as the output channel ``channel`` got it.

    Rasa hands output channels the conversation id (``telegram:42``); the platform wants ``42``.
    A bare id (an old trigger_intent) is accepted as is; an id in another channel's namespace is
    refused with :class:`ForeignConversation`.
    """
    namespace, sender = split_conversation_id(recipient_id)
    if namespace is None:
        return recipient_id
    if namespace != channel:
        raise ForeignConversation(f"{channel} cannot send to {namespace}:…")
    return sender
