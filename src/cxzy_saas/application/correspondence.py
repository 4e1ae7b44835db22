"""Between a branch and its committee, beside the campaign's decisions: tasks the committee
assigns and the branch reports done (交办任务), requests and reports (请示, 汇报) and the
committee's replies. Each side writes its own log: the task and the reply are the committee's,
the report and the letter the branch's."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from uuid import UUID

from cxzy_saas.application.base import TenantApplication
from cxzy_saas.application.commands.correspondence import (
    AssignTask,
    ReplyToLetter,
    ReportTask,
    SendLetter,
)
from cxzy_saas.application.permissions import BRANCH_WRITERS, COMMITTEE_WRITERS
from cxzy_saas.domain.correspondence import Letter, Reply
from cxzy_saas.domain.errors import AlreadyExists, NotFound
from cxzy_saas.domain.plan import Campaign
from cxzy_saas.domain.recording import Actor
from cxzy_saas.domain.tasks import Task, TaskReport

if TYPE_CHECKING:
    from cxzy_saas.application.branch import BranchApplication
    from cxzy_saas.application.committee import CommitteeApplication

ASSIGNED = Task.Assigned  # type: ignore[attr-defined]
SENT = Letter.Sent  # type: ignore[attr-defined]


class CommitteeCorrespondence(TenantApplication):
    """Mixed into the committee's application."""

    _branch: Callable[[str], BranchApplication]
    campaign: Callable[[int], Campaign]

    def assign_task(self, actor: Actor, command: AssignTask) -> UUID:
        """Raises NotFound: no such branch or campaign; StateConflict: the year is closed."""
        c = command
        with self.acting(actor, COMMITTEE_WRITERS):
            self._branch(c.branch)
            self.campaign(c.year).check_open()
            task = Task.assign(c.year, c.branch, c.title, c.text, c.due, c.on)
            self.save(task)
            return task.id

    def task(self, task_id: UUID) -> Task:
        return self.load(Task, task_id, "task.not_found")

    def tasks(self, year: int, branch: str | None = None) -> list[Task]:
        found = [self.task(i) for i in self.ids_created_by(ASSIGNED)]
        return [t for t in found if t.year == year and branch in (None, t.branch)]

    def reply_to_letter(self, actor: Actor, command: ReplyToLetter) -> UUID:
        """Raises NotFound: no such letter of that branch; StateConflict: answered already."""
        c = command
        with self.acting(actor, COMMITTEE_WRITERS):
            letter = self._branch(c.branch).letter(c.letter)
            if self.exists(Reply.id_for(self.tenant, c.branch, str(c.letter))):
                raise AlreadyExists("letter.replied_already")
            reply = Reply.give(self.tenant, c.branch, str(c.letter), c.text, c.on, letter.on)
            self.save(reply)
            return reply.id

    def reply(self, branch: str, letter: UUID) -> Reply | None:
        reply_id = Reply.id_for(self.tenant, branch, str(letter))
        return self.load(Reply, reply_id, "letter.not_found") if self.exists(reply_id) else None


class BranchCorrespondence(TenantApplication):
    """Mixed into the branch's application."""

    parent: Callable[[], CommitteeApplication]
    campaign_of: Callable[[int], Campaign]

    def report_task(self, actor: Actor, command: ReportTask) -> UUID:
        """Raises NotFound: no task of this branch; AlreadyExists: reported already."""
        with self.acting(actor, BRANCH_WRITERS):
            task = self.assigned_task(command.task)
            if self.exists(TaskReport.id_for(self.tenant, str(task.id))):
                raise AlreadyExists("task.reported_already")
            self.campaign_of(task.year).check_open()
            report = TaskReport.report(str(task.id), task.year, command.text, command.on)
            self.save(report)
            return report.id

    def assigned_task(self, task_id: UUID) -> Task:
        """Raises NotFound for a task of another branch, as for none."""
        try:
            task = self.parent().task(task_id)
        except NotFound:
            task = None
        if task is None or task.branch != self.tenant:
            raise NotFound("task.not_found")
        return task

    def task_report(self, task_id: UUID) -> TaskReport | None:
        report_id = TaskReport.id_for(self.tenant, str(task_id))
        return (
            self.load(TaskReport, report_id, "task.not_found") if self.exists(report_id) else None
        )

    def send_letter(self, actor: Actor, command: SendLetter) -> UUID:
        c = command
        with self.acting(actor, BRANCH_WRITERS):
            self.campaign_of(c.year)
            letter = Letter.send(c.year, c.kind, c.title, c.text, c.on)
            self.save(letter)
            return letter.id

    def letter(self, letter_id: UUID) -> Letter:
        return self.load(Letter, letter_id, "letter.not_found")

    def letters(self, year: int) -> list[Letter]:
        found = [self.letter(i) for i in self.ids_created_by(SENT)]
        return [x for x in found if x.year == year]
