"""The default catalogue quotes the guidance text's criteria in full, as the text words them."""

from __future__ import annotations

import re
from pathlib import Path

from cxzy_saas.application.catalogue import default_plan_content

# The seed text lies beside the repository in the project's workspace (shared/seed).
SEEDS = [p / "shared" / "seed" for p in Path(__file__).resolve().parents]


def test_each_criterion_is_the_texts_own_words_and_none_is_left_out():
    content = default_plan_content()
    counts = {"branch": 0, "group": 0, "member": 0}
    for criterion in content["criteria"]:
        counts[criterion["level"]] += 1
        assert len(criterion["text"]) > 20
    assert counts == {"branch": 5, "group": 7, "member": 6}
    texts = [c["text"] for c in content["criteria"]]
    assert any("坚持四项基本原则" in t for t in texts if t.startswith("党支部领导班子"))
    seeds = [t for folder in SEEDS if folder.is_dir() for t in sorted(folder.glob("*.txt"))]
    if seeds:
        # Word for word; the catalogue writes the full-width punctuation the seed's scan lost.
        same = str.maketrans("，；：（）！？", ",;:()!?")
        flat = re.sub(r"\s+", "", seeds[0].read_text(encoding="utf-8")).translate(same)
        for text in texts:
            assert text.translate(same) in flat, text
