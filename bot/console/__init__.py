"""The staff console (工作台): where 区营商办 and the responsible units work the closed loop.

Server-rendered pages (aiohttp + Jinja2, no JavaScript build step) and a JSON API over the same
:class:`bot.store.AppealService`, with accounts, sessions and tokens kept in the store's database
(migration 0002). ``python -m bot.console`` serves it on 127.0.0.1:$CONSOLE_PORT.
"""
