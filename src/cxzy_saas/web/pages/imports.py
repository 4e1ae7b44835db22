"""Import members, or a month's scores, from a CSV or XLSX file: upload, preview, confirm.

The upload is parsed and every row checked before anything is written; the page shows each row
with its errors next to it. Only a file without errors can be confirmed, and confirming writes
the whole file in one command (``enrol_members`` / ``assess_month``: one transaction, all or
nothing). A refusal at that moment writes nothing and is shown above the rows.

Between preview and confirm the parsed rows travel in the confirm form, **signed** with the
application's secret (itsdangerous, as Flask signs its session) and bound to the user, the
branch, the kind of file, the month, and an hour's validity. The browser cannot change a row it
was shown without breaking the signature, nor replay the form for another branch or as another
user; and the server keeps no upload between two requests, so any web worker can take the
confirm (a store in one worker's memory would not be found by another) and there is nothing to
clean up. On confirm the rows are checked again against the branch as it is then (someone may
have enrolled the same number meanwhile), and the command checks them once more.

Large files are written by a background job with a progress page (``jobs.py``).
"""

from __future__ import annotations

import contextlib
from typing import Any

from flask import current_app, flash, render_template, request, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from cxzy_saas.application.branch import BranchApplication
from cxzy_saas.application.commands.work import AssessMonth
from cxzy_saas.application.permissions import BRANCH_ASSESSORS, BRANCH_WRITERS, COMMITTEE_READERS
from cxzy_saas.domain.errors import DomainError, NotFound, StateConflict
from cxzy_saas.domain.plan import PlanContent
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.pages import bp, i18n, nav_link
from cxzy_saas.web.pages import import_rows as checks
from cxzy_saas.web.pages.access import acting_for, current_user, go, opens, signed_in, user
from cxzy_saas.web.pages.branch import asked_month, branch_reader, campaign_year
from cxzy_saas.web.pages.evidence import evidence_page
from cxzy_saas.web.pages.jobs import Report, start_job
from cxzy_saas.web.pages.tables import Table, TableError, parse
from cxzy_saas.web.problems import too_large as upload_refusal

tr = i18n.tr
KINDS = ("members", "scores")
# Who may take the branch's tables out (and open this page, which offers them).
EXPORTERS = BRANCH_ASSESSORS | COMMITTEE_READERS
WRITERS = {"members": BRANCH_WRITERS, "scores": BRANCH_ASSESSORS}
MAX_AGE = 3600
TITLES = {"members": ("导入党员", "Import members"), "scores": ("导入考核分数", "Import scores")}
JOB_ROWS = 200  # more rows than this are written by a job with a progress page

nav_link("branch", "pages.imports", "导入导出", "Import / export")


def month_args(year: int) -> int:
    """The month asked for, else the last month that has ended (January early in the year)."""
    asked = asked_month()
    if asked:
        return asked
    today = tenancy_of(current_app).today()
    if year != today.year:
        return 12 if year < today.year else 1
    return max(1, today.month - 1)


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt="cxzy-import")


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise NotFound("import.unknown_kind", kind=kind)
    return kind


def _context(code: str) -> tuple[BranchApplication, int]:
    return tenancy_of(current_app).branch(code), campaign_year(user().committee)


def _plan(app: BranchApplication, year: int) -> PlanContent:
    content, _ = app.plan_content(year)
    return content


def index_page(code: str, error: str = "", status: int = 200) -> tuple[str, int]:
    actor = branch_reader(code)
    app, year = _context(code)
    own = actor.tenant == code
    return render_template(
        "imports/index.html",
        code=code,
        name=app.branch().name,
        year=year,
        month=month_args(year),
        groups=app.groups(),
        can_members=own and actor.role in BRANCH_WRITERS,
        can_scores=own and actor.role in BRANCH_ASSESSORS,
        error=error,
    ), status


@bp.get("/branch/<code>/import")
@signed_in
@opens(EXPORTERS)
def imports(code: str) -> tuple[str, int]:
    return index_page(code)


def _check(app: BranchApplication, kind: str, table: Table, year: int, month: int) -> list[Any]:
    today = tenancy_of(current_app).today()
    if kind == "members":
        return checks.check_members(app, table, today)
    return checks.check_scores(app, _plan(app, year), table, year, month)


def _columns(app: BranchApplication, kind: str, year: int) -> tuple[Any, tuple[Any, ...]]:
    if kind == "members":
        return checks.MEMBER_COLUMNS, ()
    return checks.score_columns(_plan(app, year)), checks.NAME_COLUMNS


def preview_page(
    code: str, kind: str, payload: dict[str, Any], rows: list[Any], error: str = ""
) -> tuple[str, int]:
    app, _ = _context(code)
    columns, _ = _columns(app, kind, payload["y"])
    bad = sum(1 for r in rows if r.errors)
    token = _signer().dumps(payload) if not bad else ""
    return render_template(
        "imports/preview.html",
        code=code,
        name=app.branch().name,
        kind=kind,
        columns=columns,
        rows=rows,
        bad=bad,
        token=token,
        payload=payload,
        error=error,
    ), (422 if bad or error else 200)


@bp.post("/branch/<code>/import/<kind>")
@signed_in
def import_preview(code: str, kind: str) -> tuple[str, int]:
    actor = acting_for(code, WRITERS[_kind(kind)])
    app, year = _context(code)
    month = month_args(year)
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        return index_page(code, i18n.message(upload_refusal()), 413)
    if upload is None or not upload.filename:
        return index_page(code, tr("请选择要导入的文件", "Choose a file to import"), 422)
    data = upload.read(current_app.config.get("MAX_CONTENT_LENGTH") or 1024 * 1024 + 1)
    try:
        columns, extra = _columns(app, kind, year)
        table = parse(upload.filename, data, columns, extra)
        if not table.rows:
            raise TableError("文件中没有数据行", "The file has no rows")
        rows = _check(app, kind, table, year, month)
    except TableError as error:
        return index_page(code, tr(error.zh, error.en), 422)
    except DomainError as error:  # no plan for the year, a month not begun, ...
        return index_page(code, i18n.message(error), 422)
    payload = {
        "u": actor.user,
        "c": user().committee,
        "b": code,
        "k": kind,
        "y": year,
        "m": month,
        "f": upload.filename,
        "rows": table.rows,
        "lines": table.lines,
        "columns": table.columns,
    }
    return preview_page(code, kind, payload, rows)


@bp.post("/branch/<code>/import/<kind>/confirm")
@signed_in
def import_confirm(code: str, kind: str) -> Response | tuple[str, int]:
    actor = acting_for(code, WRITERS[_kind(kind)])
    try:
        payload = _signer().loads(request.form.get("upload", ""), max_age=MAX_AGE)
    except SignatureExpired:
        return index_page(code, tr("预览已超过一小时，请重新上传", "The preview expired"), 422)
    except BadSignature:
        return index_page(code, tr("上传内容无效，请重新上传", "Invalid upload; upload again"), 422)
    if (payload["u"], payload["c"], payload["b"], payload["k"]) != (
        actor.user,
        user().committee,
        code,
        kind,
    ):
        raise NotFound("import.upload_not_found")
    app, year, month = tenancy_of(current_app).branch(code), payload["y"], payload["m"]
    table = Table(payload["columns"], payload["rows"], payload["lines"])
    try:
        rows = _check(app, kind, table, year, month)
    except DomainError as refusal:
        return preview_page(code, kind, payload, [], i18n.message(refusal))
    if any(r.errors for r in rows):
        changed = tr("预览后数据已有变化，请修改文件后重新上传", "The branch changed meanwhile")
        return preview_page(code, kind, payload, rows, changed)

    link = url_for("pages.imports", code=code)

    def write(report: Report) -> tuple[str, str, str | None]:
        report(0.5, f"正在写入 {len(rows)} 行（一个事务）", f"writing {len(rows)} rows")
        if kind == "members":
            app.enrol_members(actor, checks.new_members(app, rows))
        else:
            scores = checks.scores_of(rows, _plan(app, year))
            app.assess_month(
                actor, AssessMonth(year=year, month=month, level="member", scores=scores)
            )
        return (*done_text(kind, len(rows), month), link)

    if len(rows) > current_app.config.get("IMPORT_JOB_ROWS", JOB_ROWS):
        try:
            job = start_job(TITLES[kind], write)
        except StateConflict:
            busy = tr("同时运行的任务过多，请稍后再试", "Too many jobs are running; try later")
            return preview_page(code, kind, payload, rows, busy)
        return go("pages.job_page", job_id=job.id)
    try:
        zh, en, _ = write(lambda *_: None)
    except DomainError as error:
        return preview_page(code, kind, payload, rows, i18n.message(error))
    flash(tr(zh, en))
    return go("pages.imports", code=code)


def done_text(kind: str, count: int, month: int) -> tuple[str, str]:
    if kind == "members":
        return f"已导入 {count} 名党员", f"{count} members imported"
    return f"已导入 {count} 名党员 {month} 月的考核分数", f"month {month}: {count} rows imported"


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    """Flask refuses a body over this request's limit while reading the form, before any view
    (the CSRF check reads it first): say so in Chinese instead of Werkzeug's English page; an
    evidence upload gets its page again, with the form and the limit of a file."""
    refusal = i18n.message(upload_refusal())
    if request.endpoint == "pages.evidence_upload" and current_user() is not None:
        # The hook refused before the view checked who asks: its page only to whom it opens.
        with contextlib.suppress(DomainError):
            return evidence_page(error=refusal, **(request.view_args or {})), 413
    return render_template("error.html", status=413, error=refusal), 413
