"""The server's own logs after real casts: `cxzy serve` (gunicorn) as its own process, raters
casting through the pages and the API, and then every line it wrote read back. Other requests
are logged with the client's address; a rater's are not logged at all."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

from cxzy_saas.application.commands.committee import OpenCampaign
from cxzy_saas.application.commands.evaluation import OpenBallot
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import Settings
from tests.builders import a_clerk, a_committee_admin, a_committee_with_branches, a_member
from tests.web.test_server import free_port

CXZY = str(Path(sys.executable).with_name("cxzy"))
MEMBERS = ("M1", "M2")


SECRET = "one-key-for-the-ballots-and-the-server"


def prepared(data_dir: Path) -> tuple[str, str, str, list[str]]:
    """A branch with an open ballot: (branch, ballot id, short id, codes)."""
    tenancy = Tenancy(Settings(data_dir=data_dir, secret_key=SECRET))
    try:
        committee, (branch,) = a_committee_with_branches(tenancy, "第一党支部")
        tenancy.committee(committee).open_campaign(
            a_committee_admin(committee), OpenCampaign(year=2026, title="2026年创先争优")
        )
        app = tenancy.branch(branch)
        app.enrol_members(a_clerk(branch), [a_member(m, f"党员{m}", group=None) for m in MEMBERS])
        ballot_id, codes = app.open_ballot(
            a_clerk(branch),
            OpenBallot(
                year=2026,
                title="年终民主测评",
                subjects=[{"level": "member", "subject": m} for m in MEMBERS],
                codes={"members": 3},
                on=date(2026, 12, 1),
            ),
        )
        return branch, str(ballot_id), app.ballot(ballot_id).short, codes["members"]
    finally:
        tenancy.close()


class Browser:
    """A rater's browser: cookies kept, redirects followed, a referrer sent as browsers do."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.last = ""

    def open(self, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        headers = {"Referer": self.last} if self.last else {}
        request = urllib.request.Request(self.base + path, data=data, headers=headers)
        try:
            with self.opener.open(request, timeout=10) as response:
                self.last = response.url
                return response.status, response.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()


def token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_a_raters_requests_never_reach_the_access_log(tmp_path):
    data = tmp_path / "var"
    branch, ballot_id, short, codes = prepared(data)
    port = free_port()
    log = tmp_path / "server.log"
    env = {
        **os.environ,
        # http: the Secure cookies of an https address would not come back to this client
        "CXZY_PUBLIC_URL": "http://rating.example.org",
        "CXZY_SECRET_KEY": SECRET,
    }
    with log.open("wb") as out:
        server = subprocess.Popen(
            [CXZY, "serve", "--data-dir", str(data), "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        rater = Browser(base)
        for _ in range(150):  # the server starts, then its projector lists the ballot
            try:
                status, page = rater.open(f"/b/{short}")
                if status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        assert status == 200, page
        grades = {f"g.member:{m}": "competent" for m in MEMBERS}
        form = {"code": codes[0], "csrf_token": token(page)}
        status, page = rater.open(f"/b/{short}", {**form, "step": "code"})
        assert status == 200 and "测评对象" in page
        status, page = rater.open(f"/b/{short}", {**form, **grades, "step": "review"})
        assert status == 200 and "请核对" in page
        status, page = rater.open(f"/b/{short}", {**form, **grades, "step": "cast"})
        assert status == 200 and "测评已提交" in page  # after the redirect to /ballot/done
        rater.open("/static/site.css")  # the page's stylesheet, with the page as referrer
        status, page = Browser(base).open("/ballot", {"code": codes[1]})  # no CSRF token: 400
        api = urllib.request.Request(
            f"{base}/api/v1/branches/{branch}/ballots/{ballot_id}/casts",
            data=json.dumps(
                {"code": codes[2], "grades": {f"member:{m}": "excellent" for m in MEMBERS}}
            ).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(api, timeout=10) as answer:
            assert answer.status == 201
        assert Browser(base).open("/login")[0] == 200  # an ordinary request, logged
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    lines = log.read_text(errors="replace").splitlines()
    logged = [line for line in lines if "GET /login" in line]
    assert logged and "127.0.0.1" in logged[0], "the access log was not written at all"
    for line in lines:
        assert short not in line and ballot_id not in line, line
        assert not re.search(r"/b/|/ballot|/casts", line), line
        for code in codes:
            assert code not in line and code.replace("-", "") not in line, line
