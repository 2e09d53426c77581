"""The TF-IDF intent classifier trains, persists, reloads safely and is the one config.yml uses."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
import skops.io as sio
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.base import BaseEstimator
from sklearn.pipeline import Pipeline

from bot.nlu.tfidf_intent_classifier import TfidfLogisticRegressionClassifier

ROOT = Path(__file__).resolve().parents[1]
VOCAB = ["燃气", "电话", "订阅", "取消", "的", "了"]


def message(words: list[str], intent: str | None = None) -> Message:
    """A message with a sentence-level count vector over VOCAB, as CountVectorsFeaturizer makes."""
    counts = np.zeros((1, len(VOCAB)))
    for word in words:
        counts[0, VOCAB.index(word)] += 1
    msg = Message(data={TEXT: "".join(words), **({INTENT: intent} if intent else {})})
    msg.add_features(Features(sp.coo_matrix(counts), "sentence", TEXT, "CountVectorsFeaturizer"))
    return msg


TRAINING = [
    (["燃气", "电话"], "ask_hotline"),
    (["燃气", "电话", "的"], "ask_hotline"),
    (["电话", "了"], "ask_hotline"),
    (["订阅"], "subscribe"),
    (["订阅", "的"], "subscribe"),
    (["订阅", "了", "了"], "subscribe"),
    (["取消", "订阅"], "unsubscribe"),
    (["取消", "订阅", "了"], "unsubscribe"),
    (["取消", "的"], "unsubscribe"),
]


@pytest.fixture
def storage(tmp_path: Path) -> LocalModelStorage:
    return LocalModelStorage(tmp_path)


def context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), node_name="intent_classifier")


def trained(storage: LocalModelStorage, config: dict | None = None) -> Resource:
    resource = Resource("intent_classifier")
    component = TfidfLogisticRegressionClassifier.create(
        {**TfidfLogisticRegressionClassifier.get_default_config(), **(config or {})},
        storage,
        resource,
        context(),
    )
    component.train(TrainingData([message(w, i) for w, i in TRAINING]))
    return resource


def load(storage: LocalModelStorage, resource: Resource) -> TfidfLogisticRegressionClassifier:
    return TfidfLogisticRegressionClassifier.load(
        TfidfLogisticRegressionClassifier.get_default_config(), storage, resource, context()
    )


def test_classifies_and_ranks_after_reload(storage: LocalModelStorage) -> None:
    classifier = load(storage, trained(storage))
    [unsubscribe, hotline] = classifier.process(
        [message(["取消", "订阅", "的"]), message(["燃气", "电话", "了"])]
    )
    assert unsubscribe.get(INTENT)["name"] == "unsubscribe"
    assert hotline.get(INTENT)["name"] == "ask_hotline"
    ranking = hotline.get("intent_ranking")
    assert ranking[0]["name"] == "ask_hotline"
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)


def test_pipeline_weights_counts_and_uses_configured_c(storage: LocalModelStorage) -> None:
    classifier = load(storage, trained(storage, {"C": 5.0}))
    assert isinstance(classifier.clf, Pipeline)
    tfidf, regression = (step for _, step in classifier.clf.steps)
    assert tfidf.sublinear_tf is True
    assert regression.C == 5.0
    # A feature every message shares carries less weight than a rare one (IDF was fitted).
    idf = dict(zip(VOCAB, tfidf.idf_, strict=True))
    assert idf["订阅"] < idf["燃气"]
    # Default C is the persisted one's, not sklearn's 1.0.
    assert load(storage, trained(storage)).clf.steps[1][1].C == 1000.0


def test_reloaded_model_gives_the_same_probabilities(storage: LocalModelStorage) -> None:
    resource = trained(storage)
    first = load(storage, resource).clf
    again = load(storage, resource).clf
    probe = sp.csr_matrix(np.array([[1.0, 0, 1, 1, 0, 2]]))
    np.testing.assert_allclose(first.predict_proba(probe), again.predict_proba(probe))


class Unexpected(BaseEstimator):
    """A type skops does not trust: a tampered model file could hold anything like it."""


def test_refuses_a_model_file_with_unexpected_types(storage: LocalModelStorage) -> None:
    resource = Resource("intent_classifier")
    with storage.write_to(resource) as model_dir:
        sio.dump(Pipeline([("x", Unexpected())]), model_dir / f"{resource.name}.skops")
    with pytest.raises(RuntimeError, match="refusing to load unexpected types"):
        load(storage, resource)


def test_missing_model_starts_untrained_like_rasa(storage: LocalModelStorage) -> None:
    classifier = load(storage, Resource("never_trained"))
    assert not hasattr(classifier.clf.steps[1][1], "classes_")


@pytest.mark.parametrize("bad", [0, -1.0, "100", True])
def test_rejects_a_bad_c(bad: object) -> None:
    with pytest.raises(ValueError, match="'C' must be a positive number"):
        TfidfLogisticRegressionClassifier.validate_config({"C": bad})


def test_config_yml_classifies_intents_with_it() -> None:
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    names = [step["name"] for step in pipeline]
    assert "bot.nlu.tfidf_intent_classifier.TfidfLogisticRegressionClassifier" in names
    assert "LogisticRegressionClassifier" not in names
    # It must come after DIET: the last intent classifier's answer is the one Rasa keeps.
    assert names.index("DIETClassifier") < names.index(
        "bot.nlu.tfidf_intent_classifier.TfidfLogisticRegressionClassifier"
    )
