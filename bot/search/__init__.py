"""Fact-level knowledge search and the rule that decides which layer answers a message.

See docs/answering.md. ``route``/``fallback`` (router) are what the actions call; ``get_search``
(index) is the ranked search over every fact unit of the knowledge base.
"""

from bot.search.index import FactUnit, Hit, KnowledgeSearch, build_search, get_search
from bot.search.router import Route, fallback, is_complaint, other_place, route

__all__ = [
    "FactUnit",
    "Hit",
    "KnowledgeSearch",
    "Route",
    "build_search",
    "fallback",
    "get_search",
    "is_complaint",
    "other_place",
    "route",
]
