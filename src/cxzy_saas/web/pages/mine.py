"""Each user's own homes and 待办: a member's "我的" (own scores and rank where the plan opens
them, own measures, records, ballots to cast), a group leader's "我的党小组" (the group's members,
their scores and measures), the branch's home, and on every home what this user must do now,
with its date.

What is due comes from the read models (projections/todo.py); this module words it and links
each item to the page where it is done.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask import current_app, render_template, url_for

from cxzy_saas.application.permissions import BRANCH_ASSESSORS, BRANCH_WRITERS, COMMITTEE_WRITERS
from cxzy_saas.domain.errors import DomainError
from cxzy_saas.projections import lists, queries, todo
from cxzy_saas.web import read_model_of, tenancy_of
from cxzy_saas.web.api.openness import seen_by
from cxzy_saas.web.listing import titled
from cxzy_saas.web.pages import bp, filters, i18n, nav_link, reads
from cxzy_saas.web.pages.access import acting_for, current_user, may, opens, signed_in, user
from cxzy_saas.web.pages.branch import (
    READERS,
    TOP,
    branch_app,
    branch_reader,
    campaign_year,
    colleagues_open,
    own_member_only,
    row_key,
    standing,
)
from cxzy_saas.web.pages.evaluation import STAGES

MEMBER = frozenset({"member"})
LEADER = frozenset({"group-leader"})

nav_link("branch", "pages.my_work", "我的", "Mine")
nav_link("branch", "pages.my_group", "我的党小组", "My group")

WHAT = {  # what a returned submission is, and the page that sends it again
    "plan": ("活动方案", "plan", "pages.branch_plan"),
    "nominee": ("推荐对象", "nominee", "pages.branch_nomination"),
    "measure": ("党支部措施", "branch measure", "pages.work_measures"),
    "midyear-report": ("半年初评情况", "half-year report", "pages.branch_evaluation"),
    "annual-summary": ("年度总结", "annual summary", "pages.branch_deeds"),
}


def _worded(item: dict[str, Any], code: str | None) -> SimpleNamespace:
    """An item of 待办 with its words and the address where it is done."""
    tr, kind = i18n.tr, item["kind"]
    branch = item["branch"]
    if kind == "grid":
        month = item["month"]
        text = tr(
            f"{month}月集中考核：还有{item['count']}个对象未录入",
            f"Monthly assessment, month {month}: {item['count']} subjects not entered",
        )
        link = url_for("pages.assessment", code=branch, month=month)
    elif kind == "returned":
        zh, en, endpoint = WHAT.get(
            item["what"], (item["what"], item["what"], "pages.branch_queue")
        )
        text = tr(
            f"党委退回{zh}《{item['title']}》：{item['reason'] or '未写理由'}。请修改后重新报送。",
            f"The committee returned the {en} “{item['title']}”: {item['reason'] or '—'}. "
            "Revise it and send it again.",
        )
        link = url_for(endpoint, code=branch)
    elif kind == "task":
        text = tr(f"党委交办任务：{item['title']}", f"Task from the committee: {item['title']}")
        link = url_for("pages.branch_letters", code=branch)
    elif kind == "measure":
        text = tr(f"完成措施：{item['title'][:40]}", f"Finish the measure: {item['title'][:40]}")
        link = url_for("pages.work_measures", code=branch) + f"#m-{item['measure']}"
    elif kind == "ballot":
        text = tr(
            f"民主测评《{item['title']}》进行中：凭发给您的测评码投票",
            f"Ballot “{item['title']}” is open: vote with the code you were given",
        )
        link = url_for("pages.ballot_code")
    elif kind == "summary":
        stage = STAGES.get(item["stage"], (item["stage"], item["stage"]))
        if item.get("own"):
            text = tr(
                f"{stage[0]}进行中：请填写个人总结", f"{stage[1]} is open: write your self-summary"
            )
        else:
            text = tr(
                f"{stage[0]}进行中：还有{item['count']}名党员未交个人总结",
                f"{stage[1]} is open: {item['count']} members have no self-summary yet",
            )
        link = url_for("pages.branch_review", code=branch, stage=item["stage"])
    elif kind == "approval":
        zh, en, _ = WHAT.get(item["what"], (item["what"], item["what"], ""))
        text = tr(
            f"{item['name']}报送的{zh}《{item['title']}》待审批（报送于{item['since']}）",
            f"{item['name']}'s {en} “{item['title']}” waits for a decision (sent {item['since']})",
        )
        link = url_for("pages.approvals")
    elif kind == "approvals":
        more = item["count"]
        text = tr(
            f"另有{more}项报送待审批",
            f"{more} more submission{'s' if more > 1 else ''} waiting for a decision",
        )
        link = url_for("pages.approvals")
    else:  # the committee's quarterly assessment of its branches, one item a quarter
        year, quarter = item["period"].split("-Q")
        if item["count"] == 1:
            text = tr(
                f"党委对{item['name']}的第{quarter}季度考核未录入",
                f"The committee's assessment of {item['name']}, quarter {quarter}",
            )
        else:
            text = tr(
                f"第{quarter}季度党支部考核：还有{item['count']}个党支部未录入",
                f"Quarter {quarter} branch assessment: {item['count']} branches not entered",
            )
        link = url_for("pages.committee_branch_assessment", year=int(year), quarter=quarter)
    del code
    # How many things the line stands for: the approvals it counts, the branches not assessed.
    things = item["count"] if kind in ("approvals", "branch-assessment") else 1
    return SimpleNamespace(
        text=text, link=link, due=item["due"], overdue=item["overdue"], things=things
    )


def todo_for(code: str | None = None) -> list[SimpleNamespace]:
    """What the signed-in user must do now in branch ``code`` (None: in the committee), overdue
    first, then by date; the rest after."""
    me = current_user()
    if me is None:
        return []
    committee = me.committee
    year = campaign_year(committee)
    day = tenancy_of(current_app).today()
    db = read_model_of(current_app, code or committee)
    items: list[dict[str, Any]] = []
    try:
        if code is None:
            acting_for(committee, COMMITTEE_WRITERS)  # the viewer and auditor decide nothing
            items = titled(todo.committee(db, committee, year, day))
        elif reads.closed_on(committee, year) is None:  # a closed year asks nothing more
            actor = acting_for(code, BRANCH_WRITERS | LEADER | MEMBER)
            if actor.role in BRANCH_WRITERS:
                items = todo.grids(db, code, year, day) + todo.returned(db, code)
                items += todo.tasks(db, code, year, day) + todo.summaries(db, code, year)
            elif actor.role == "group-leader" and actor.group:
                items = todo.grids(db, code, year, day, group=actor.group)
            elif actor.role == "member" and actor.member:
                items = todo.measures(db, code, year, day, actor.member)
                items += todo.ballots(db, code, year)
                own = todo.summaries(db, code, year, actor.member)
                items += [{**i, "own": True} for i in own]
    except DomainError:
        return []
    items.sort(key=lambda i: (not i["overdue"], i["due"] is None, i["due"] or ""))
    return [_worded(i, code) for i in items]


def own_rows(code: str, level: str, subjects: set[str]) -> list[dict[str, Any]]:
    """The board rows of these subjects of branch ``code`` (their scores and ranks)."""
    committee = user().committee
    with read_model_of(current_app, committee).read() as tx:
        rows, _ = standing(tx, committee, campaign_year(committee), level, code, everyone=False)
    return [r for r in rows if row_key(r)[1] in subjects]


@bp.get("/branch/<code>/mine")
@signed_in
@opens(MEMBER)
def my_work(code: str) -> str:
    actor = acting_for(code, MEMBER)
    app = branch_app(code)
    year = campaign_year(user().committee)
    member = app.member(actor.member) if actor.member else None
    number = actor.member or ""
    db = read_model_of(current_app, code)
    mine = lists.Filters(member=number, own_member=number)
    measures = lists.measures(
        db, code, year, mine, lists.Paging(1, 50, "open"), tenancy_of(current_app).today()
    ).items
    records = lists.records(db, code, year, mine, lists.Paging(1, 20, "-on")).items
    return render_template(
        "mine/member.html",
        code=code,
        name=app.branch().name,
        year=year,
        member=member,
        rows=own_rows(code, "member", {number}),
        colleagues=colleagues_open(code),
        measures=measures,
        records=records,
        todo=todo_for(code),
    )


@bp.get("/branch/<code>/my-group")
@signed_in
@opens(LEADER)
def my_group(code: str) -> str:
    actor = acting_for(code, LEADER)
    app = branch_app(code)
    year = campaign_year(user().committee)
    group = next((g for g in app.groups() if g.code == actor.group), None)
    members = [m for m in app.members() if group is not None and m.group_id == group.id]
    numbers = {m.member_no for m in members}
    db = read_model_of(current_app, code)
    paging = lists.Paging(1, 50, "open")
    ours = lists.Filters(group=actor.group) if actor.group else lists.Filters(member="")
    measures = lists.measures(db, code, year, ours, paging, tenancy_of(current_app).today()).items
    return render_template(
        "mine/group.html",
        code=code,
        name=app.branch().name,
        year=year,
        group=group,
        members=members,
        rows=own_rows(code, "member", numbers),
        measures=[m for m in measures if m["level"] == "member"],
        names={m.member_no: m.name for m in members},
        todo=todo_for(code),
    )


def closed_by(chosen: filters.Filters, year: int) -> bool:
    """Whether ``year``'s campaign is closed in the view: now, once closed (whatever day the
    close names, as the committee's queue); as of a past day, if it closed by then."""
    day = chosen.as_of.isoformat() if chosen.as_of else None
    return any(
        c["year"] == year and c["closed_on"] and (day is None or str(c["closed_on"]) <= day)
        for c in chosen.years
    )


def standing_of(queue: list[dict[str, Any]], year: int) -> list[dict[str, Any]]:
    """The year's submissions as they stand: of each thing sent up, its latest sending only
    (a nominee returned and sent again is no longer returned)."""
    latest: dict[tuple[str, str], int] = {}
    for s in queue:
        key = (s["kind"], s["subject"])
        latest[key] = max(latest.get(key, 0), int(s["submission"]))
    return [
        s
        for s in queue
        if s["year"] == year and int(s["submission"]) == latest[(s["kind"], s["subject"])]
    ]


# The branch's home, beside the members' and the leaders' own homes: what it shows a
# member follows what the member may see of colleagues.
@bp.get("/branch/<code>")
@signed_in
@opens(READERS)
def branch_home(code: str) -> str:
    actor = branch_reader(code)
    committee = user().committee
    tenancy = tenancy_of(current_app)
    chosen = filters.from_request(committee)
    year = chosen.year
    # Whether the boards are open to branches is today's decision, whatever day is shown.
    opened = queries.board_open(read_model_of(current_app, committee), committee, year)
    everyone = actor.tenant == committee or opened  # else only its own rows, with their ranks
    boards: dict[str, list[dict[str, Any]]] = {}
    sizes: dict[str, int] = {}
    with reads.read_model(committee, chosen.as_of) as db:
        with db.read() as tx:
            for level in ("branch", "group", "member"):
                boards[level], sizes[level] = standing(tx, committee, year, level, code, everyone)
        queue = reads.submissions(db, code)
        ballots = reads.branch_ballots(db, code, year)
    # A member sees their own member row unless the plan opens colleagues' (decision 0018).
    own = own_member_only(actor, code)
    if own is not None:
        mine = (code, own)  # member numbers repeat across branches
        boards["member"] = [r for r in boards["member"] if row_key(r) == mine]
        sizes["member"] = len(boards["member"])  # no "first 10 and this branch's, of N" note
    sent = standing_of(seen_by(own, queue), year)
    return render_template(
        "branch/home.html",
        code=code,
        name=tenancy.branch(code).branch().name,
        year=year,
        boards=boards,
        sizes=sizes,
        top=TOP,
        board_open=opened,
        returned=[s for s in sent if s["outcome"] == "returned"][:5],
        # a closed year is final: none waits
        waiting=0 if closed_by(chosen, year) else sum(s["outcome"] is None for s in sent),
        ballots=ballots,
        actor=actor,
        filters=chosen,
        can_assess=may(code, BRANCH_ASSESSORS),
        todo=todo_for(None if actor.tenant == committee else code),
    )
