"""Where the source documents are: the facts every test checks the assistant against.

Default ``../shared/seeds`` beside the repository; ``QIHU_SEEDS_DIR`` overrides it. A missing
directory fails loudly: a fact test that cannot read its source must not pass.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = Path(os.environ.get("QIHU_SEEDS_DIR") or ROOT.parent / "shared" / "seeds")


def seed_text() -> str:
    """Both documents, concatenated."""
    files = sorted(SEEDS.glob("*.txt"))
    if not files:
        raise FileNotFoundError(f"no source documents in {SEEDS} (set QIHU_SEEDS_DIR)")
    return "".join(p.read_text(encoding="utf-8") for p in files)
