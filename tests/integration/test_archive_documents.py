"""What a sealed archive says about scores: the branch's board rows as of the seal (re-derived
by the verifier, so a consistent forgery is caught), 未参评 listed apart, and PDFs that carry
every character their HTML twins print (read back with ``pdftotext``)."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import orjson
import pytest

from cxzy_saas import wiring
from cxzy_saas.application.commands.organisation import EnrolMember
from cxzy_saas.application.manifests import TENANTS_DIR, load_manifest
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.audit import bundle, pdf
from cxzy_saas.audit.documents import Document, _nominations, departure
from cxzy_saas.audit.verify import verify_files
from cxzy_saas.config import Settings
from cxzy_saas.demo.build import build_demo
from cxzy_saas.domain.recording import Actor
from cxzy_saas.projections.queries import board_rows
from tests.builders import close_year

YEAR = 2026
ADMIN = Actor("admin", "committee-admin", "demo")
AUDITOR = Actor("auditor", "auditor", "demo")
NEWCOMER = "B01990"  # enrolled at the year's end: nothing to score


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory):
    """b01's year, with a member who has nothing to score, closed, sealed and exported with
    PDFs; and the committee's boards at that moment (nothing is recorded after the seal)."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("documents") / "var")
    tenancy = Tenancy(settings)
    try:
        build_demo(tenancy, load_manifest(TENANTS_DIR / "demo.toml"), branches=2, seed=1, year=YEAR)
        tenancy.branch("b01").enrol_members(
            Actor("b01-clerk", "branch-clerk", "b01"),
            [EnrolMember(member_no=NEWCOMER, name="钱新来", joined_on=date(YEAR, 12, 20))],
        )
        committee = tenancy.committee("demo")
        close_year(tenancy, YEAR)
        committee.seal_archive(ADMIN, "b01", YEAR)
        files = committee.export_archive(AUDITOR, "b01", YEAR)
        db = wiring.open_read_model(tenancy)
        wiring.projector(tenancy, db).rebuild()
        boards = {
            level: board_rows(db, "demo", YEAR, level) for level in ("branch", "group", "member")
        }
    finally:
        tenancy.close()
    return files, boards


def test_the_bundle_carries_the_branchs_board_rows_as_the_committee_saw_them(archive):
    files, boards = archive
    assert verify_files(files).ok
    carried = orjson.loads(files["board.json"])["levels"]
    for level in ("branch", "group", "member"):
        live = [
            {k: v for k, v in r.items() if k != "rank"}
            for r in boards[level]
            if r.get("branch", r.get("code")) == "b01"
        ]
        assert live, level
        assert [{k: v for k, v in r.items() if k != "rank_in_branch"} for r in carried[level]] == (
            live
        )
    (branch,) = carried["branch"]
    assert branch["status"] == "rated" and branch["composite"] is not None
    # the branch's own ranking, with ranks within the branch
    scores = orjson.loads(files["scores.json"])["levels"]["member"]
    assert [r["rank_in_branch"] for r in carried["member"]] == [r["rank"] for r in scores]


def test_a_member_with_nothing_to_score_is_unrated_everywhere_in_the_archive(archive):
    files, boards = archive
    (row,) = [
        r
        for r in orjson.loads(files["scores.json"])["levels"]["member"]
        if r["subject"] == NEWCOMER
    ]
    assert (row["status"], row["rank"], row["band"], row["composite"]) == (
        "unrated",
        None,
        None,
        None,
    )
    (shown,) = [r for r in boards["member"] if r["id"] == NEWCOMER]
    assert (shown["status"], shown["rank"], shown["band"]) == ("unrated", None, None)
    page = html.unescape(files["documents/04-scores.html"].decode())
    rated_part, unrated_part = page.split("未参评的党员")
    assert "钱新来" in unrated_part and "钱新来" not in rated_part
    assert "不合格" not in re.search(r"<tr><td>—</td><td>B01990</td>.*?</tr>", unrated_part).group(
        0
    )


def test_the_plan_document_states_each_limit_in_the_words_that_decide_its_boundary(archive):
    files, _ = archive
    plan = html.unescape(files["documents/01-plan.html"].decode())
    assert "每个测评范围参评率低于2/3的，该范围测评结果无效。" in plan
    assert "不合格票超过20%的，不得评为先进（一票否决）。" in plan
    assert "优秀党员人数不超过党员人数的1/3（向下取整）。" in plan


def visible_text(data: bytes) -> str:
    """What a reader sees of an HTML document, a line per paragraph, heading or table row."""
    text = re.sub(r"<style>.*?</style>", "", data.decode())
    text = re.sub(r"</(p|h1|h2|tr)>", "\n", text)
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def test_the_plan_document_states_its_status_in_chinese_with_the_committees_answer(archive):
    files, _ = archive
    plan = visible_text(files["documents/01-plan.html"])
    assert "状态：已报党委，党委决定：批准" in plan
    assert "submitted" not in plan
    # when it was sent and decided, and what an auditor needs to recompute a score
    assert re.search(r"第 1 次报批（\d{4}-\d\d-\d\d）：党委决定（\d{4}-\d\d-\d\d）：批准", plan)
    assert re.search(r"综合得分由日常考核 \d+(\.\d+)?、民主测评 \d+(\.\d+)?、目标完成", plan)
    assert "民主测评按平均分汇总。" in plan and "党支部得分由本级、党小组平均分" in plan
    scores = visible_text(files["documents/04-scores.html"])
    assert "党小组平均" in scores and "（党委方案）" in scores


def test_the_year_end_documents_keep_the_branchs_own_commendations_and_the_days_in_order(
    archive,
):
    files, _ = archive
    deeds = visible_text(files["documents/06-deeds.html"])
    assert "党支部表彰" in deeds and "通报表扬" in deeds
    year_end = visible_text(files["documents/03-year-end.html"])
    assert "已更正 1 次" in year_end
    reported = re.findall(r"(\d{4}-\d\d-\d\d) 向(党员大会|党委)报告", year_end)
    assert [who for _, who in reported] == ["党员大会", "党委"]
    assert [day for day, _ in reported] == sorted(day for day, _ in reported)
    # the committee acknowledged the summary on or after the day it was reported to it
    acknowledged = re.search(r"党委决定（(\d{4}-\d\d-\d\d)）：已阅知", year_end)
    assert acknowledged and acknowledged.group(1) >= reported[-1][0]


def test_the_nomination_document_keeps_every_submission_its_returns_and_the_commendation(archive):
    """b01's demo year (seed 1): a nominee returned on the first submission and sent again;
    the nominees approved the first time are in the record too, and the commendation names its
    decision."""
    files, _ = archive
    text = visible_text(files["documents/05-nominations.html"])
    first, rest = text.split("第 2 次报送")
    assert "第 1 次报送（" in first and "报送次数：2" in first
    assert re.search(r"党委决定（\d{4}-\d\d-\d\d）：退回（理由：", first) and "党委退回：" in first
    assert "党支部答复：" in first
    assert re.search(r"党委决定（\d{4}-\d\d-\d\d）：批准", rest)
    shortlists, commended = text.split("党委命名表彰决定（")
    # everyone the decision names for the branch was shortlisted in some submission
    named = [line.split() for line in commended.splitlines()]
    named = [cells for cells in named if cells and cells[0] in ("优秀党员", "先进党小组")]
    assert named
    for title, name, because in named:
        assert name in shortlists, (title, name)
        assert because == "—"  # the demo names its approved nominees, no reason needed
    assert "称号 名称 理由" in " ".join(commended.split())


def test_the_commendation_says_why_a_branch_was_named_against_the_ranking():
    """The document says that every departure from the computed advice carries its reason:
    a 先进党支部 named while a branch ranked above it was not shows the committee's reason."""
    decision = {
        "on": date(YEAR, 12, 20),
        "decision_text": "关于命名表彰的决定",
        "entries": [
            {
                "branch": "b01",
                "level": "branch",
                "subject": "b01",
                "title": "先进党支部",
                "against_advice": True,
                "reason": "全年组织生活规范，群众评价突出",
            },
            {
                "branch": "b01",
                "level": "member",
                "subject": "B01001",
                "title": "优秀党员",
                "reason": "抗洪一线带头",
            },
            {"branch": "b02", "level": "branch", "subject": "b02", "title": "先进党支部"},
        ],
    }
    ctx = SimpleNamespace(
        branch="b01",
        nomination=lambda: None,
        commendation=lambda: SimpleNamespace(decisions=[decision]),
        name=lambda level, subject: {"b01": "第一党支部", "B01001": "张三"}[subject],
    )
    doc = Document("05-nominations", "推荐与表彰")
    _nominations(ctx, doc)  # type: ignore[arg-type]
    [table] = [b for b in doc.blocks if b[0] == "table"]
    assert table[1] == ["称号", "名称", "理由"]
    assert table[2] == [
        ["先进党支部", "第一党支部", "与党支部排名不一致：全年组织生活规范，群众评价突出"],
        ["优秀党员", "张三", "抗洪一线带头"],
    ]


def test_a_departure_from_the_advice_says_why():
    ranking = {
        "member": [
            {"subject": "M1", "rank": 1, "veto": None},
            {"subject": "M2", "rank": 2, "veto": "distrust"},
            {"subject": "M3", "rank": None, "veto": None},
        ]
    }
    nomination = SimpleNamespace(ranking=ranking)

    def said(subject: str, listed: int, **entry: object) -> str:
        rank = {"M1": 1, "M2": 2, "M3": None}[subject]
        one = {"level": "member", "subject": subject, "rank": rank, "departs": True, **entry}
        return departure(nomination, one, [one] * listed)  # type: ignore[arg-type]

    assert said("M1", 1, departs=False) == "否"
    assert said("M1", 1, midyear=False) == "是（未列入半年初评表扬推荐）"
    assert said("M2", 1) == "是（受否决规则限制；越过了排名在前者）"
    assert said("M2", 2) == "是（受否决规则限制）"
    assert said("M3", 1) == "是（未参评）"


def test_the_documents_use_full_width_punctuation_between_chinese(archive):
    files, _ = archive
    for name, data in files.items():
        if name.endswith(".html"):
            text = visible_text(data)
            found = re.search(r"[\u4e00-\u9fff）][;:,]|[;:,][\u4e00-\u9fff（]", text)
            assert found is None, (name, text[max(0, found.start() - 20) : found.end() + 20])


def test_a_bundle_of_the_first_documents_wording_is_refused_with_the_way_out(archive):
    files, _ = archive
    manifest = orjson.loads(files["manifest.json"])
    del manifest["documents"]
    result = verify_files({**files, "manifest.json": bundle.pretty(manifest)})
    assert not result.ok and "decision 0032" in (result.what or "")
    assert "export the sealed branch-year again" in (result.what or "")


def test_a_consistent_forgery_of_the_board_is_caught_by_re_deriving_it(archive):
    files, _ = archive
    board = orjson.loads(files["board.json"])
    board["levels"]["branch"][0]["composite"] = round(
        board["levels"]["branch"][0]["composite"] + 2, 2
    )
    forged = {**files, "board.json": bundle.pretty(board)}
    manifest = orjson.loads(files["manifest.json"])
    manifest["files"]["board.json"] = bundle.sha256(forged["board.json"])
    manifest["digest"] = bundle.manifest_digest(manifest)
    forged["manifest.json"] = bundle.pretty(manifest)
    result = verify_files(forged)
    assert not result.ok
    assert result.where == "board.json" and "branch b01" in (result.what or "")


def test_a_bundle_of_the_earlier_format_is_named_as_such(archive):
    files, _ = archive
    manifest = orjson.loads(files["manifest.json"])
    manifest["format"] = "cxzy-archive/1"
    result = verify_files({**files, "manifest.json": bundle.pretty(manifest)})
    assert not result.ok and "cxzy-archive/1" in (result.what or "")


# the PDFs


def text_of_html(data: bytes) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", data.decode()))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")
def test_every_pdf_carries_the_branch_the_year_every_name_and_every_score_of_its_html(
    archive, tmp_path: Path
):
    files, _ = archive
    names = orjson.loads(files["names.json"])
    branch = names["branch:b01"]
    documents = sorted(n[: -len(".pdf")] for n in files if n.endswith(".pdf"))
    assert len(documents) == 6
    for stem in documents:
        shown = text_of_html(files[f"{stem}.html"])
        path = tmp_path / Path(stem).with_suffix(".pdf").name
        path.write_bytes(files[f"{stem}.pdf"])
        found = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
        ).stdout.decode()
        flat = squeeze(found)
        assert f"{branch}{YEAR}年" in flat, stem  # the title: branch name and year
        for name in sorted({n for n in names.values() if n in shown}):
            assert squeeze(name) in flat, f"{stem}: {name}"
        scores = set(re.findall(r"\d+\.\d\d", shown))
        for score in sorted(scores):
            assert score in flat, f"{stem}: {score}"
        for code in sorted(set(re.findall(r"\bB01\d{3}\b", shown))):
            assert code in flat, f"{stem}: {code}"
    assert re.findall(r"\d+\.\d\d", text_of_html(files["documents/04-scores.html"]))


def test_a_font_without_a_glyph_for_a_character_refuses_to_write_the_pdf(monkeypatch):
    monkeypatch.setenv("CXZY_CJK_FONT", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf").is_file():
        pytest.skip("DejaVu Sans is not installed")
    pdf._register.cache_clear()
    try:
        with pytest.raises(pdf.FontMissing, match="党"):
            pdf.render_pdf(Document("01-plan", "办公室党支部 2026 年"))
    finally:
        pdf._register.cache_clear()
