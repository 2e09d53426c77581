"""Messaging channels of the assistant: WeChat official account and Telegram.

Both are Rasa custom input channels (registered in credentials.yml by module path). They
only carry messages: every answer that states a fact comes from the dialogue, the channels
add nothing but short notes about what they can read.
"""
