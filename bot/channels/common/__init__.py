"""What every channel uses: the shared state store, delivery dedupe, button memory, text
limits, HTTP body reading, settings helpers and the few texts a channel says itself.

Why a package of its own: nothing here knows WeChat or Telegram, so either channel (and
the reminder senders) can use it without importing the other.
"""
