"""Sparse features for words under negation (不太满意 -> neg_满意), as a Rasa featurizer.

It is Rasa's CountVectorsFeaturizer (vocabulary, persistence, sentence and per-token
features are all Rasa's) fed with the tokens that `bot.nlu.negation` marks as negated
instead of the plain tokens. Tokens outside a negation scope become empty strings, so each
message keeps one feature row per token and DIET can stack these features with the others.
Only the user's text is featurized: intents, responses and action names carry no negation.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.negation import negated_tokens


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class NegationScopeFeaturizer(CountVectorsFeaturizer):
    """Counts of ``neg_<word>`` for the words a negation cue applies to."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Rasa's word-level defaults; only single negated words are counted."""
        return {**CountVectorsFeaturizer.get_default_config(), "analyzer": "word"}

    @staticmethod
    def _attributes_for(analyzer: str) -> list[str]:
        """Featurize the user's text only."""
        return [TEXT]

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Negation marks whole words: a character analyzer would split ``neg_`` apart."""
        super().validate_config(config)
        if config.get("analyzer", "word") != "word":
            raise ValueError(
                f"{cls.__name__}: 'analyzer' must be 'word', got {config['analyzer']!r}"
            )

    def _get_message_tokens_by_attribute(self, message: Message, attribute: str) -> list[str]:
        """The message's tokens with only the negated ones kept (as ``neg_<token>``)."""
        return negated_tokens(super()._get_message_tokens_by_attribute(message, attribute))
