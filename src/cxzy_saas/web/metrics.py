"""Prometheus metrics at ``/metrics`` (prometheus-client), for a scraper that sends
``Authorization: Bearer <CXZY_METRICS_TOKEN>``; without that setting the route answers 404.
One port for everything, guarded by a token, rather than a second port: the web's port is the
only one a deployment already publishes and health-checks (docs/decisions/0016).

- ``cxzy_http_requests_total`` and ``cxzy_http_request_duration_seconds``, by method, route
  (the URL rule, never the path) and status;
- ``cxzy_commands_total`` and ``cxzy_command_duration_seconds``, by kind (the application
  method: ``enrol_member``) and outcome (ok, refused, conflict, error), whoever issued them;
- ``cxzy_rate_limited_total`` by route: every 429 answer (``rate_limit_refused`` is the hook);
- ``cxzy_projector_lag_events`` and ``cxzy_projector_quarantined_events`` per committee,
  ``cxzy_cell_reachable`` per cell (0 while a cell gives no connection: its committees are
  then missing from the two above, rather than shown as 0) and ``cxzy_jobs`` by state, read
  from the database when scraped (so any worker tells the same).

Under gunicorn with several workers, the counters of every worker are added up through
prometheus-client's multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``, set by ``cxzy serve``).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client import generate_latest as exposition
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from cxzy_saas.web import cell_read_model, tenancy_of
from cxzy_saas.web.requestlog import elapsed, route_of
from cxzy_saas.wiring import projection_status

bp = Blueprint("metrics", __name__)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The application's counters, in a registry of its own (each app its own: tests build
    many apps in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "cxzy_http_requests",
            "HTTP requests answered",
            ["method", "route", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "cxzy_http_request_duration_seconds",
            "Time to answer an HTTP request",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.commands = Counter(
            "cxzy_commands", "Commands run, by kind and outcome", ["kind", "outcome"], registry=r
        )
        self.command_seconds = Histogram(
            "cxzy_command_duration_seconds",
            "Time a command took, by kind",
            ["kind"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.rate_limited = Counter(
            "cxzy_rate_limited", "Requests refused by a rate limit (429)", ["route"], registry=r
        )

    def observe_command(self, kind: str, outcome: str, seconds: float) -> None:
        self.commands.labels(kind, outcome).inc()
        self.command_seconds.labels(kind).observe(seconds)

    def rate_limit_refused(self, route: str) -> None:
        """The hook for rate limits: called for every 429 answer."""
        self.rate_limited.labels(route).inc()


class LiveState(Collector):
    """What the database says when scraped: the projector's lag, the jobs' states."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Any]:
        lag = GaugeMetricFamily(
            "cxzy_projector_lag_events",
            "Events in a committee's logs not yet in the read models",
            labels=["committee"],
        )
        quarantined = GaugeMetricFamily(
            "cxzy_projector_quarantined_events",
            "Events of a committee's logs the projector set aside (cxzy project retry)",
            labels=["committee"],
        )
        reachable = GaugeMetricFamily(
            "cxzy_cell_reachable",
            "Whether a cell gave a connection (1) or is out of reach (0): its committees' "
            "figures are missing above while it is",
            labels=["cell"],
        )
        tenancy = tenancy_of(self.app)
        status = projection_status(tenancy, lambda cell: cell_read_model(self.app, cell))
        for committee in sorted(status["committees"], key=lambda c: c["committee"]):
            lag.add_metric([committee["committee"]], committee["lag"])
            quarantined.add_metric([committee["committee"]], committee["quarantined"])
        for cell in tenancy.cells:
            reachable.add_metric([cell], 0 if cell in status["out_of_reach"] else 1)
        jobs = GaugeMetricFamily("cxzy_jobs", "Background jobs by state", labels=["state"])
        for state, count in sorted(tenancy.jobs.states().items()):
            jobs.add_metric([state], count)
        yield from (lag, quarantined, reachable, jobs)


def metrics_of(app: Flask) -> Metrics:
    metrics = app.extensions["cxzy.metrics"]
    assert isinstance(metrics, Metrics)
    return metrics


def init_app(app: Flask) -> None:
    metrics = app.extensions["cxzy.metrics"] = Metrics()
    tenancy_of(app).observer = metrics.observe_command
    app.register_blueprint(bp)

    @app.after_request
    def count(response: Response) -> Response:
        if request.endpoint == "metrics.scrape":
            return response
        route, status = route_of(), str(response.status_code)
        metrics.requests.labels(request.method, route, status).inc()
        metrics.latency.labels(request.method, route, status).observe(elapsed())
        if response.status_code == 429:
            metrics.rate_limit_refused(route)
        return response


def operator_asks() -> bool:
    """Whether the request carries the metrics token (``CXZY_METRICS_TOKEN``): an operator's
    tool, which may learn the deployment's committees."""
    token = tenancy_of(current_app).settings.metrics_token
    given = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


@bp.get("/metrics")
def scrape() -> Response:
    settings = tenancy_of(current_app).settings
    if not settings.metrics_token:
        abort(404)
    if not operator_asks():
        response = Response("a metrics token is required\n", status=401, mimetype="text/plain")
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    if settings.metrics_dir:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(settings.metrics_dir))
    else:
        registry = metrics_of(current_app).registry
    live = CollectorRegistry()
    live.register(LiveState(current_app))
    body = exposition(registry) + exposition(live)
    response = Response(body, mimetype=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response
