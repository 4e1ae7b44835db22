"""The demo's measures are filed under the criterion their words answer (a reviewer found
"年内发展党员1名" under 第1条 班子建设)."""

from __future__ import annotations

from cxzy_saas.application.catalogue import default_plan_content
from cxzy_saas.demo import texts


def test_every_measure_the_demo_files_answers_a_criterion_of_its_level() -> None:
    criteria = default_plan_content()["criteria"]
    for level, measures in (
        ("branch", texts.BRANCH_MEASURES),
        ("group", texts.GROUP_MEASURES),
        ("member", texts.MEMBER_MEASURES),
    ):
        numbers = {c["number"] for c in criteria if c["level"] == level}
        for text in measures:
            assert texts.MEASURE_CRITERIA[text] in numbers, text
    words = {(c["level"], c["number"]): c["text"] for c in criteria}
    assert (
        "发展党员"
        in words[("branch", texts.MEASURE_CRITERIA["做好入党积极分子培养考察，年内发展党员1名"])]
    )
    assert "学习" in words[("member", texts.MEASURE_CRITERIA["全年读书不少于6本并撰写心得"])]
