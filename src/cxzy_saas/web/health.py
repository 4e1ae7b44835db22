"""Health for the orchestrator: ``/healthz`` (the process answers) and ``/readyz`` (it can
serve: the database answers, ``cxzy init`` has made the schemas, the read models are no more
than ``CXZY_READY_MAX_LAG`` events behind the logs; events set aside in quarantine are
reported). JSON either way; 503 when not ready.

Neither needs a sign-in, and neither says more than an operator needs: no URL, no error text
from the database (that goes to the log), only which check failed; the lag of each committee
(which names the deployment's committees) only to a request with the metrics token.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from cxzy_saas.web import cell_read_model, tenancy_of
from cxzy_saas.web.metrics import operator_asks
from cxzy_saas.wiring import projection_status

bp = Blueprint("health", __name__)
log = logging.getLogger("cxzy.health")


@bp.get("/healthz")
def healthz() -> Response:
    response = jsonify({"status": "ok"})
    response.headers["Cache-Control"] = "no-store"
    return response


def readiness() -> tuple[bool, dict[str, Any]]:
    """(ready, the checks and what each found)."""
    app = current_app
    tenancy = tenancy_of(app)
    checks: dict[str, Any] = {}
    try:
        initialised = tenancy.initialised()
        checks["database"] = {"ok": True}
    except Exception:
        log.exception("readiness: the database does not answer")
        checks["database"] = {"ok": False}
        return False, checks
    checks["schemas"] = {"ok": initialised}
    if not initialised:
        checks["schemas"]["hint"] = "run `cxzy init`"
        return False, checks
    try:
        status = projection_status(tenancy, lambda cell: cell_read_model(app, cell))
    except Exception:
        log.exception("readiness: the read models cannot be read")
        checks["read_models"] = {"ok": False, "hint": "see the log; `cxzy init` makes them"}
        return False, checks
    unconfigured = tenancy.unconfigured_cells()
    checks["cells"] = {"ok": not unconfigured}
    if unconfigured:  # a deployment's mistake: these committees' users are refused here
        checks["cells"]["unconfigured"] = unconfigured
        checks["cells"]["hint"] = "set CXZY_CELLS for " + ", ".join(unconfigured)
    if status["out_of_reach"]:  # served again when they answer: not held against readiness
        checks["cells"]["out_of_reach"] = status["out_of_reach"]
    limit = tenancy.settings.ready_max_lag
    # Quarantined events are shown, not held against readiness: the projector went on past
    # them, and `cxzy project retry` projects them once their cause is fixed.
    checks["projector"] = {
        "ok": status["lag"] <= limit,
        "max_lag": limit,
        "lag": status["lag"],
        "quarantined": status["quarantined"],
    }
    if operator_asks():
        checks["projector"]["committees"] = {
            c["committee"]: {"lag": c["lag"], "quarantined": c["quarantined"], "cell": c["cell"]}
            for c in status["committees"]
        }
    return all(check["ok"] for check in checks.values()), checks


@bp.get("/readyz")
def readyz() -> Response:
    ready, checks = readiness()
    response = jsonify({"status": "ready" if ready else "not ready", "checks": checks})
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response
