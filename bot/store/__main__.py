"""`python -m bot.store`: apply the appeal store's migrations (``make run`` does this first)."""

from bot.store.migrate import main

main()
