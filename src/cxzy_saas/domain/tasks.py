"""Tasks the committee assigns to a branch (交办任务) and the branch's report that it is done.

The text: the branch's work in the commendation includes "完成上级党组织交办的关于命名表彰方面
的任务". The task is the committee's (its log); the report is the branch's (its own log: a
branch writes only its own), naming the task it answers. Overdue work shows a task past its
date without a report.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from cxzy_saas.domain.base import (
    TenantAggregate,
    require,
    require_past,
    require_text,
    stable_id,
)


class Task(TenantAggregate):
    """One task the committee assigned to one branch: what, by when."""

    @classmethod
    def assign(cls, year: int, branch: str, title: str, text: str, due: date, on: date) -> Task:
        """Raises InvalidInput: an empty title or text, a due date before the assignment."""
        require(due >= on, "task.due_before_assigned", field="due", on=on)
        return cls(
            year=year,
            branch=branch,
            title=require_text(title, "title", max_length=200, multiline=False),
            text=require_text(text, "text", max_length=5000),
            due=due,
            on=require_past(on, "on"),
        )

    @event("Assigned")
    def __init__(self, year: int, branch: str, title: str, text: str, due: date, on: date) -> None:
        self.year = year
        self.branch = branch
        self.title = title
        self.text = text
        self.due = due
        self.on = on


class TaskReport(TenantAggregate):
    """A branch's report that an assigned task is done (in the branch's log)."""

    @staticmethod
    def create_id(tenant: str, task: str) -> UUID:
        return TaskReport.id_for(tenant, task)

    @staticmethod
    def id_for(tenant: str, task: str) -> UUID:
        return stable_id(tenant, "task-report", task)

    @classmethod
    def report(cls, task: str, year: int, text: str, on: date) -> TaskReport:
        text = require_text(text, "text", max_length=5000)
        return cls(task=task, year=year, text=text, on=require_past(on, "on"))

    @event("Reported")
    def __init__(self, task: str, year: int, text: str, on: date) -> None:
        self.task = task
        self.year = year
        self.text = text
        self.on = on
