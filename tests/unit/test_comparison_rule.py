"""Decision 0021: nothing outranks another by omission. A branch the committee never assessed
(its own component missing) ranks after every branch it assessed, whatever its figure; a
member with no valid rating after the members rated; a component nobody has yet (no ballot
held) is missing for no one. The gap is named in the row. No I/O."""

from __future__ import annotations

from cxzy_saas.domain import ranking, scoring

FORMULA = {"own": 0.5, "groups": 0.2, "members": 0.3}


def member(subject: str, composite: float | None, *missing: str) -> ranking.Row:
    return ranking.Row(
        "member",
        subject,
        subject,
        None,
        None,
        0.0,
        composite,
        None,
        None,
        None,
        ranking.RATED if composite is not None else ranking.UNRATED,
        tuple(missing),
    )


def test_a_branch_never_assessed_ranks_after_one_assessed_despite_a_higher_figure():
    assessed = ranking.branch_row(
        "b01", "一支部", [70.0, 74.0], [member("g1", 80.0)], [member("m1", 82.0)], FORMULA
    )
    never = ranking.branch_row(
        "b02", "二支部", [], [member("g2", 78.6)], [member("m2", 78.6)], FORMULA
    )
    assert never["composite"] > assessed["composite"]  # 78.6 against 77.x: the old upset
    assert never["missing"] == ("own",) and assessed["missing"] == ()
    ranked = ranking.rank_rows([never, assessed])
    assert [(r["subject"], r["rank"]) for r in ranked] == [("b01", 1), ("b02", 2)]
    shown = ranking.public_row("branch", ranked[1])
    assert shown["missing"] == ["own"] and shown["composite"] == never["composite"]


def test_within_the_same_completeness_the_higher_figure_ranks_first_with_ties():
    rows = [
        {"subject": "a", "composite": 80.0, "missing": ()},
        {"subject": "b", "composite": 95.0, "missing": ("own",)},
        {"subject": "c", "composite": 80.0, "missing": ()},
        {"subject": "d", "composite": 60.0, "missing": ("own",)},
        {"subject": "e", "composite": None, "missing": ("own", "groups", "members")},
    ]
    ranked = ranking.rank_rows(rows)
    assert [(r["subject"], r["rank"]) for r in ranked] == [
        ("a", 1),
        ("c", 1),
        ("b", 3),
        ("d", 4),
        ("e", None),
    ]


def test_a_component_nobody_has_yet_is_missing_for_no_one():
    rows = [("a", 70.0, ("rating",)), ("b", 90.0, ("rating",))]
    ranked = scoring.rank_complete(rows, lambda r: r[1], lambda r: r[2])
    assert [(rank, r[0]) for rank, r in ranked] == [(1, "b"), (2, "a")]


def test_more_missing_components_rank_lower():
    rows = [("a", 99.0, ("work", "rating")), ("b", 50.0, ("rating",)), ("c", 40.0, ())]
    ranked = scoring.rank_complete(rows, lambda r: r[1], lambda r: r[2])
    assert [r[0] for _, r in ranked] == ["c", "b", "a"]


def test_a_component_the_plan_does_not_weigh_is_never_missing():
    assert ranking.gaps({"work": 1.0, "rating": 0.0}, {"work": 80.0, "rating": None}) == ()
    assert ranking.gaps({"work": 0.6, "rating": 0.3}, {"work": None, "rating": None}) == (
        "work",
        "rating",
    )
