"""The assistant's knowledge base: validated data read from the YAML files in this package.

Every fact the assistant states (phone numbers, time limits, materials) comes from these files,
transcribed from the source documents; nothing factual is hard-coded in Python.
"""

from bot.knowledge.loader import KnowledgeError, get_knowledge, load_knowledge
from bot.knowledge.schema import (
    AppealProcessScheme,
    Hotline,
    HotlineKind,
    KnowledgeBase,
    Material,
    Package,
    Region,
    Scheme,
    Stage,
    TimeLimits,
    Treatment,
    Unit,
)

__all__ = [
    "AppealProcessScheme",
    "Hotline",
    "HotlineKind",
    "KnowledgeBase",
    "KnowledgeError",
    "Material",
    "Package",
    "Region",
    "Scheme",
    "Stage",
    "TimeLimits",
    "Treatment",
    "Unit",
    "get_knowledge",
    "load_knowledge",
]
