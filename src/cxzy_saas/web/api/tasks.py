"""Tasks the committee assigns a branch for the commendation (交办任务), and the branch's report
that each is done."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from marshmallow import Schema, fields

from cxzy_saas.application.commands.correspondence import AssignTask, ReportTask
from cxzy_saas.application.permissions import BRANCH_WRITERS, COMMITTEE_WRITERS
from cxzy_saas.domain.tasks import Task
from cxzy_saas.web.api.auth import COMMITTEE_ROLES
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import YEAR, CampaignArgs, In, page_of, paginate, text

OFFICERS = BRANCH_WRITERS | set(COMMITTEE_ROLES)


class TaskIn(In):
    year = fields.Integer(required=True, validate=YEAR)
    title = text(200, required=True)
    text = text(5000, required=True)
    due = fields.Date(required=True)
    on = fields.Date(required=True)


class TaskReportIn(In):
    text = text(5000, required=True)
    on = fields.Date(required=True)


class TaskReportOut(Schema):
    text = fields.String()
    on = fields.Date()


class TaskOut(Schema):
    id = fields.UUID()
    year = fields.Integer()
    branch = fields.String()
    title = fields.String()
    text = fields.String()
    due = fields.Date()
    on = fields.Date()
    report = fields.Nested(TaskReportOut, allow_none=True)


def task_out(call: Call, task: Task) -> dict[str, Any]:
    report = call.tenancy.branch(task.branch).task_report(task.id)
    return {
        "id": task.id,
        "year": task.year,
        "branch": task.branch,
        "title": task.title,
        "text": task.text,
        "due": task.due,
        "on": task.on,
        "report": None if report is None else {"text": report.text, "on": report.on},
    }


@api_route(
    "/branches/<code>/tasks",
    "POST",
    summary="党委向党支部交办命名表彰方面的任务（内容、完成期限）",
    roles=COMMITTEE_WRITERS,
    body=TaskIn,
    response=TaskOut,
    status=201,
    links=("report_task",),
    link_parameters={"task": "$response.body#/id"},
)
def assign_task(call: Call, code: str) -> dict[str, Any]:
    task_id = call.committee.assign_task(call.actor, AssignTask(branch=code, **call.body))
    return task_out(call, call.committee.task(task_id))


@api_route(
    "/branches/<code>/tasks",
    summary="党委交办的任务及完成情况",
    roles=OFFICERS,
    query=CampaignArgs,
    response=page_of(TaskOut),
)
def list_tasks(call: Call, code: str) -> dict[str, Any]:
    found = paginate(call.committee.tasks(call.args["campaign"], code), call.args)
    return {**found, "items": [task_out(call, t) for t in found["items"]]}


@api_route(
    "/branches/<code>/tasks/<uuid:task>/report",
    "POST",
    summary="党支部报告交办任务已完成",
    roles=BRANCH_WRITERS,
    body=TaskReportIn,
    response=TaskOut,
)
def report_task(call: Call, code: str, task: UUID) -> dict[str, Any]:
    call.branch.report_task(call.actor, ReportTask(task=task, **call.body))
    return task_out(call, call.branch.assigned_task(task))
