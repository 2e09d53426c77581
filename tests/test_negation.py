"""Negation scope (bot.nlu.negation) and the featurizer that feeds it to the NLU pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.negation import CUE_MARK as CUE
from bot.nlu.negation import negated_tokens
from bot.nlu.negation_featurizer import NegationScopeFeaturizer

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("tokens", "expected"),
    [
        (["不太", "满意"], [CUE, "neg_满意"]),
        (["不", "接收", "通知"], [CUE, "neg_接收", "neg_通知"]),
        (["非常", "满意"], ["", ""]),
        # a contrast word or punctuation ends the scope
        (["不", "满意", "但是", "态度", "好"], [CUE, "neg_满意", "", "", ""]),
        (["没", "办好", "，", "满意"], [CUE, "neg_办好", "", ""]),
        # lexicalised look-alikes are not cues
        (["办得", "不错"], ["", ""]),
        (["不过", "满意"], ["", ""]),
        (["取消", "订阅"], [CUE, "neg_订阅"]),
        # every cue is the same shared mark; a second cue keeps the scope open
        (["别", "推", "了", "，", "莫要", "发"], [CUE, "neg_推", "neg_了", "", CUE, "neg_发"]),
        ([], []),
    ],
)
def test_negated_tokens(tokens: list[str], expected: list[str]) -> None:
    assert negated_tokens(tokens) == expected


def tokenized(text: str, intent: str | None = None) -> Message:
    msg = Message(data={TEXT: text, **({INTENT: intent} if intent else {})})
    JiebaTokenizer.create(
        JiebaTokenizer.get_default_config(),
        None,
        None,
        None,  # type: ignore[arg-type]
    ).process([msg])
    return msg


def context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), node_name="negation_featurizer")


def test_features_follow_tokens_and_survive_reload(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("negation_featurizer")
    featurizer = NegationScopeFeaturizer.create(
        NegationScopeFeaturizer.get_default_config(), storage, resource, context()
    )
    training = TrainingData(
        [tokenized("不太满意", "evaluate_unsatisfied"), tokenized("不接收通知", "unsubscribe")]
    )
    featurizer.train(training)
    loaded = NegationScopeFeaturizer.load(
        NegationScopeFeaturizer.get_default_config(), storage, resource, context()
    )
    assert set(loaded.vectorizers) == {TEXT}
    assert set(loaded.vectorizers[TEXT].vocabulary_) == {CUE, "neg_满意", "neg_接收", "neg_通知"}

    [negated, plain] = loaded.process([tokenized("我不太满意"), tokenized("很满意")])
    vocab = loaded.vectorizers[TEXT].vocabulary_
    seq, sentence = negated.get_sparse_features(TEXT)
    assert seq is not None and sentence is not None
    # one row per token (我/不太/满意), so DIET can stack these with the other features
    assert seq.features.shape[0] == len(negated.get("text_tokens"))
    assert sentence.features.toarray()[0, vocab["neg_满意"]] == 1
    assert sentence.features.toarray()[0, vocab[CUE]] == 1
    # 满意 outside a negation gives no negation feature at all
    _, plain_sentence = plain.get_sparse_features(TEXT)
    assert plain_sentence is not None and plain_sentence.features.sum() == 0


def test_refuses_a_character_analyzer(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="analyzer"):
        NegationScopeFeaturizer.create(
            {**NegationScopeFeaturizer.get_default_config(), "analyzer": "char"},
            LocalModelStorage(tmp_path),
            Resource("negation_featurizer"),
            context(),
        )


def test_config_uses_the_featurizer() -> None:
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    names = [component["name"] for component in config["pipeline"]]
    assert "bot.nlu.negation_featurizer.NegationScopeFeaturizer" in names
    # it reads tokens, so it must come after the tokenizer and before the classifiers
    assert (
        names.index("JiebaTokenizer")
        < names.index("bot.nlu.negation_featurizer.NegationScopeFeaturizer")
        < names.index("DIETClassifier")
    )
