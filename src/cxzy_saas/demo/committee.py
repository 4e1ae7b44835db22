"""The demo committee's own part of the year (the campaign, its plan, decisions on nominees,
the commendation), and each branch's work after the commendation."""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from datetime import date
from typing import Any

from cxzy_saas.application.catalogue import default_plan_content
from cxzy_saas.application.commands.committee import (
    Acknowledge,
    Commend,
    OpenCampaign,
)
from cxzy_saas.application.commands.correspondence import (
    AssignTask,
    CommendOwn,
    RecommendUpward,
    ReplyToLetter,
    ReportTask,
    ReviseAnnualSummary,
    SendLetter,
)
from cxzy_saas.application.commands.evaluation import (
    DecideNominee,
    FileAnnualSummary,
    Renominate,
    ReportAnnualSummary,
    WriteDeeds,
)
from cxzy_saas.application.commands.plans import (
    DiscussPlan,
    DraftPlan,
    FinalisePlan,
)
from cxzy_saas.application.commands.work import (
    RecordMeeting,
)
from cxzy_saas.application.manifests import BranchSpec
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.domain.recording import Actor


def schedule_committee_year(
    tenancy: Tenancy,
    committee: str,
    specs: list[BranchSpec],
    year: int,
    rng: random.Random,
    add: Callable[[date, int, str, Callable[[], object]], None],
) -> None:
    """The committee's own part: open the campaign and its plan; decide nominees; commend."""
    admin = Actor(user="admin", role="committee-admin", tenant=committee)

    def open_campaign() -> None:
        cte = tenancy.committee(committee)
        cte.open_campaign(admin, OpenCampaign(year=year, title=f"{year}年度创先争优活动"))
        cte.draft_plan(
            admin, DraftPlan(year=year, drafter="党委组织部", content=default_plan_content())
        )
        cte.discuss_plan(
            admin, DiscussPlan(year=year, on=date(year, 1, 2), minutes="党委会审议活动方案")
        )
        cte.finalise_plan(admin, FinalisePlan(year=year, on=date(year, 1, 2)))

    add(date(year, 1, 2), 11, "党委启动创先争优活动", open_campaign)
    returned_one = {"done": False}
    returned: list[tuple[str, str]] = []  # (branch, member) returned, re-nominated later

    def decide_nominees() -> None:
        cte = tenancy.committee(committee)
        for spec in specs:
            nomination = tenancy.branch(spec.code).nomination(year)
            for entry in nomination.entries:
                if not returned_one["done"] and entry["level"] == "member" and rng.random() < 0.5:
                    returned_one["done"] = True
                    returned.append((spec.code, entry["subject"]))
                    cte.decide_nominee(
                        admin,
                        DecideNominee(
                            branch=spec.code,
                            year=year,
                            level="member",
                            subject=entry["subject"],
                            outcome="returned",
                            reason="事迹材料不够具体，请补充后再报",
                        ),
                    )
                    continue
                reason = "支部说明理由充分" if entry["departs"] else ""
                cte.decide_nominee(
                    admin,
                    DecideNominee(
                        branch=spec.code,
                        year=year,
                        level=entry["level"],
                        subject=entry["subject"],
                        outcome="approved",
                        reason=reason,
                    ),
                )

    def commend() -> None:
        cte = tenancy.committee(committee)
        entries: list[dict[str, str]] = []
        strongest = sorted(specs, key=lambda s: -s.strength)[:2]
        entries += [{"branch": s.code, "level": "branch", "subject": s.code} for s in strongest]
        for spec in specs:
            branch = tenancy.branch(spec.code)
            decided = branch.nominee_decisions(branch.nomination(year))
            for (level, subject), decision in decided.items():
                if decision and decision.outcome == "approved":
                    entries.append({"branch": spec.code, "level": level, "subject": subject})
        cte.commend(
            admin,
            Commend(
                year=year,
                entries=entries,
                on=date(year, 12, 20),
                decision_text=f"关于命名表彰{year}年度先进党支部、先进党小组和优秀党员的决定",
            ),
        )

    add(date(year, 12, 15), 15, "党委审批推荐名单", decide_nominees)

    def renominate() -> None:
        """The branch answers the return with a new submission; the committee approves it."""
        for code, member in returned:
            clerk = Actor(user=f"{code}-clerk", role="branch-clerk", tenant=code)
            entry = {"level": "member", "subject": member, "reason": "已补充具体事迹"}
            tenancy.branch(code).renominate(
                clerk,
                Renominate(
                    year=year,
                    entries=[entry],
                    answer="已按党委意见补充事迹材料，列明全年具体事例，重新报送",
                    on=date(year, 12, 17),
                ),
            )
            decision = DecideNominee(
                branch=code,
                year=year,
                level="member",
                subject=member,
                outcome="approved",
                reason="补充材料后符合条件",
            )
            tenancy.committee(committee).decide_nominee(admin, decision)

    add(date(year, 12, 17), 10, "党支部答复退回理由并重新推荐，党委审批", renominate)
    add(date(year, 12, 20), 10, "党委命名表彰", commend)
    for spec in specs:
        add(
            date(year, 12, 23),
            10,
            "事迹材料、谈话、传达和年度总结",
            functools.partial(after_commendation, tenancy, committee, spec, year),
        )
        add(
            date(year, 12, 28),
            10,
            "年度总结向党员大会、党委报告，党委阅知",
            functools.partial(report_summary, tenancy, committee, spec, year),
        )
    schedule_correspondence(tenancy, committee, specs, year, add)


def after_commendation(tenancy: Tenancy, committee: str, spec: BranchSpec, year: int) -> None:
    app = tenancy.branch(spec.code)
    clerk = Actor(user=f"{spec.code}-clerk", role="branch-clerk", tenant=spec.code)
    commendation = tenancy.committee(committee).commendation(year)
    mine = [e for e in (commendation.named if commendation else []) if e["branch"] == spec.code]
    for entry in mine:
        subject = {"year": year, "level": entry["level"], "subject": entry["subject"]}
        # A group's leader drafts their own group's deeds; the clerk the others'.
        leads = entry["level"] == "group" and entry["subject"] == "g1"
        drafter = (
            Actor(f"{spec.code}-leader", "group-leader", spec.code, group="g1") if leads else clerk
        )
        app.write_deeds(
            drafter, WriteDeeds(**subject, text=f"{entry['name']}{entry['title']}事迹材料（初稿）")
        )
        app.write_deeds(
            clerk,
            WriteDeeds(
                **subject,
                text=f"{entry['name']}{entry['title']}事迹材料：立足岗位，带头实干，群众公认。",
                attachments=["photo-deeds.jpg"],
            ),
        )
        if entry["level"] != "branch":
            app.record_meeting(
                clerk,
                RecordMeeting(
                    year=year,
                    kind="talk",
                    on=date(year, 12, 23),
                    title=f"与{entry['name']}谈话",
                    attendees=2,
                    minutes="肯定成绩，提出更高要求",
                ),
            )
    app.record_meeting(
        clerk,
        RecordMeeting(
            year=year,
            kind="conveyance",
            on=date(year, 12, 23),  # played on the 23rd: a meeting is recorded once held
            title="传达党委命名表彰决定",
            attendees=max(1, len(app.members())),
            minutes="组织党员学习先进事迹",
        ),
    )
    app.file_annual_summary(
        clerk,
        FileAnnualSummary(
            year=year,
            basic_facts="全年开展创先争优活动的基本情况",
            experience="坚持平时考核与集中考核相结合",
            problems="学习深度和创新不足",
            plans="明年继续完善考核办法",
        ),
    )
    app.revise_annual_summary(
        clerk,
        ReviseAnnualSummary(
            year=year,
            basic_facts=f"全年开展创先争优活动的基本情况：党员 {len(app.members())} 名",
            experience="坚持平时考核与集中考核相结合",
            problems="学习深度和创新不足",
            plans="明年继续完善考核办法",
            reason="补充党员人数",
        ),
    )
    branch_commendation(app, clerk, year)


def report_summary(tenancy: Tenancy, committee: str, spec: BranchSpec, year: int) -> None:
    """The annual summary reported to the members' meeting (the 27th) and to the committee
    (today, the 28th), which acknowledges it."""
    app = tenancy.branch(spec.code)
    clerk = Actor(user=f"{spec.code}-clerk", role="branch-clerk", tenant=spec.code)
    for to, day in (("members-meeting", 27), ("committee", 28)):
        app.report_annual_summary(
            clerk, ReportAnnualSummary(year=year, to=to, on=date(year, 12, day))
        )
    tenancy.committee(committee).acknowledge(
        Actor("admin", "committee-admin", committee),
        Acknowledge(branch=spec.code, year=year, kind="annual-summary", subject=str(year)),
    )


def branch_commendation(app: Any, clerk: Actor, year: int) -> None:
    """The branch commends the groups and members it shortlisted (通报表扬, certificates) and
    recommends its first group upward."""
    nomination = app.nomination(year)
    for entry in nomination.entries:
        app.commend_own(
            clerk,
            CommendOwn(
                year=year,
                level=entry["level"],
                subject=entry["subject"],
                forms=["notice", "certificate"] if entry["level"] == "group" else ["notice"],
                text="年终总评中表现突出，予以通报表扬",
                on=date(year, 12, 23),
            ),
        )
    groups = [e for e in nomination.entries if e["level"] == "group"]
    if groups:
        app.recommend_upward(
            clerk,
            RecommendUpward(
                year=year,
                level="group",
                subject=groups[0]["subject"],
                reason="组织生活严密，事迹突出，提请党委表彰",
                on=date(year, 12, 23),
            ),
        )


def schedule_correspondence(
    tenancy: Tenancy,
    committee: str,
    specs: list[BranchSpec],
    year: int,
    add: Callable[[date, int, str, Callable[[], object]], None],
) -> None:
    """Each branch's request (请示) in March, answered a week later; its half-year report (汇报)
    in July; a task the committee assigns after the commendation, reported done by all but the
    last branch (overdue work shows it)."""
    admin = Actor(user="admin", role="committee-admin", tenant=committee)

    def clerk(code: str) -> Actor:
        return Actor(user=f"{code}-clerk", role="branch-clerk", tenant=code)

    def request(code: str) -> None:
        letter = SendLetter(
            year=year,
            kind="request",
            title="关于开展争创先进党小组活动的请示",
            text="拟在各党小组之间开展争创活动，评选办法附后，请予指导。",
            on=date(year, 3, 5),
        )
        tenancy.branch(code).send_letter(clerk(code), letter)

    def answer(code: str) -> None:
        letter = tenancy.branch(code).letters(year)[0]
        reply = ReplyToLetter(
            branch=code, letter=letter.id, text="同意，请结合实际抓好落实。", on=date(year, 3, 12)
        )
        tenancy.committee(committee).reply_to_letter(admin, reply)

    def report(code: str) -> None:
        letter = SendLetter(
            year=year,
            kind="report",
            title="上半年创先争优活动情况汇报",
            text="上半年各项措施按计划推进，半年初评已完成。",
            on=date(year, 7, 8),
        )
        tenancy.branch(code).send_letter(clerk(code), letter)

    def assign() -> None:
        for spec in specs:
            task = AssignTask(
                year=year,
                branch=spec.code,
                title="组织学习受表彰者的先进事迹",
                text="组织全体党员学习党委命名表彰的先进典型，年底前报告。",
                due=date(year, 12, 30),
                on=date(year, 12, 21),
            )
            tenancy.committee(committee).assign_task(admin, task)

    def done(code: str) -> None:
        task = tenancy.committee(committee).tasks(year, code)[0]
        report = ReportTask(
            task=task.id, text="已组织学习，党员交流了体会。", on=date(year, 12, 29)
        )
        tenancy.branch(code).report_task(clerk(code), report)

    for spec in specs:
        code = spec.code
        add(date(year, 3, 5), 10, f"{spec.name}：向党委请示", functools.partial(request, code))
        add(date(year, 3, 12), 10, f"党委答复{spec.name}的请示", functools.partial(answer, code))
        add(date(year, 7, 8), 10, f"{spec.name}：向党委汇报", functools.partial(report, code))
    add(date(year, 12, 21), 9, "党委交办命名表彰方面的任务", assign)
    for spec in specs[:-1]:
        add(
            date(year, 12, 29),
            16,
            f"{spec.name}：报告交办任务完成",
            functools.partial(done, spec.code),
        )
