"""NLU quality: 5-fold cross-validation of the pipeline in config.yml.

Writes intent macro-F1 and entity F1 to bench/results/nlu.json.
Targets (issue #2): intent macro-F1 >= 0.95, entity F1 >= 0.90.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import write_result

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"intent_macro_f1": 0.95, "entity_f1": 0.90}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--keep", help="keep Rasa's reports (errors, confusion) in this folder")
    args = parser.parse_args()
    rasa = Path(sys.executable).parent / "rasa"
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or tmp
        subprocess.run(
            [
                str(rasa),
                "test",
                "nlu",
                "--nlu",
                "data/nlu",
                "--config",
                "config.yml",
                "--cross-validation",
                "--folds",
                str(args.folds),
                "--out",
                out,
            ],
            cwd=ROOT,
            check=True,
        )
        intents = json.loads((Path(out) / "intent_report.json").read_text(encoding="utf-8"))
        entity_file = Path(out) / "DIETClassifier_report.json"
        entities = json.loads(entity_file.read_text(encoding="utf-8"))
    intent_f1 = intents["macro avg"]["f1-score"]
    entity_f1 = entities["micro avg"]["f1-score"] if "micro avg" in entities else None
    worst = sorted(
        (
            (name, v["f1-score"])
            for name, v in intents.items()
            if isinstance(v, dict) and "support" in v and not name.endswith("avg")
        ),
        key=lambda item: item[1],
    )
    figures = {
        "folds": args.folds,
        "intent_macro_f1": round(intent_f1, 4),
        "entity_f1": round(entity_f1, 4) if entity_f1 is not None else None,
        "entity_macro_f1": round(entities.get("macro avg", {}).get("f1-score", 0.0), 4),
        "weakest_intents": [
            {"intent": n, "f1": round(f, 4), "confused_with": intents[n].get("confused_with", {})}
            for n, f in worst[:5]
        ],
        "targets": TARGETS,
        "meets_targets": intent_f1 >= TARGETS["intent_macro_f1"]
        and (entity_f1 or 0) >= TARGETS["entity_f1"],
    }
    write_result("nlu", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
