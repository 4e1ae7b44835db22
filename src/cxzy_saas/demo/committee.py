"""The demo committee's own part of the year (the campaign, its plan, decisions on nominees,
the commendation), and each branch's work after the commendation."""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from datetime import date

from cxzy_saas.application.catalogue import default_plan_content
from cxzy_saas.application.commands.committee import (
    Acknowledge,
    Commend,
    OpenCampaign,
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
                            reason="事迹材料不够具体,请补充后再报",
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
                    answer="已按党委意见补充事迹材料,列明全年具体事例,重新报送",
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

    add(date(year, 12, 17), 10, "党支部答复退回理由并重新推荐,党委审批", renominate)
    add(date(year, 12, 20), 10, "党委命名表彰", commend)
    for spec in specs:
        add(
            date(year, 12, 23),
            10,
            "事迹材料、谈话、传达和年度总结",
            functools.partial(after_commendation, tenancy, committee, spec, year),
        )


def after_commendation(tenancy: Tenancy, committee: str, spec: BranchSpec, year: int) -> None:
    app = tenancy.branch(spec.code)
    clerk = Actor(user=f"{spec.code}-clerk", role="branch-clerk", tenant=spec.code)
    commendation = tenancy.committee(committee).commendation(year)
    mine = [e for e in (commendation.named if commendation else []) if e["branch"] == spec.code]
    for entry in mine:
        subject = {"year": year, "level": entry["level"], "subject": entry["subject"]}
        app.write_deeds(
            clerk, WriteDeeds(**subject, text=f"{entry['name']}{entry['title']}事迹材料(初稿)")
        )
        app.write_deeds(
            clerk,
            WriteDeeds(
                **subject,
                text=f"{entry['name']}{entry['title']}事迹材料:立足岗位,带头实干,群众公认。",
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
                    minutes="肯定成绩,提出更高要求",
                ),
            )
    app.record_meeting(
        clerk,
        RecordMeeting(
            year=year,
            kind="conveyance",
            on=date(year, 12, 26),
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
    for to, day in (("members-meeting", 27), ("committee", 28)):
        app.report_annual_summary(
            clerk, ReportAnnualSummary(year=year, to=to, on=date(year, 12, day))
        )
    tenancy.committee(committee).acknowledge(
        Actor("admin", "committee-admin", committee),
        Acknowledge(branch=spec.code, year=year, kind="annual-summary", subject=str(year)),
    )
