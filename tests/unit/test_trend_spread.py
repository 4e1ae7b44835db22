"""The committee's average line on the trends page: over the branches with a figure that
month, and how many those are, so that a month a branch missed is not read as a fall."""

from cxzy_saas.projections.queries import spread


def test_a_month_a_branch_missed_is_averaged_over_the_others_and_says_how_many():
    lines = [[80.0, 80.0, None], [60.0, None, None], [70.0, 90.0, None]]
    found = spread(lines)
    assert found["counted"] == [3, 2, 0]
    assert found["average"] == [70.0, 85.0, None]
    assert found["q1"][2] is None and found["q3"][2] is None
