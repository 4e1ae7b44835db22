"""The least a command can cost on this stack, for ``bench/write_ratio.py``: a Flask app under
gunicorn (gthread, as ``cxzy serve`` runs) whose one route reads a JSON body and writes one row
in one transaction from a connection pool, and answers 201 with JSON. No sign-in, no checks,
no events. Its rate against raw commits is the ceiling any command of the product can reach
here.

    .venv/bin/gunicorn --workers 2 --threads 8 -k gthread 'floor_app:create("URL")'
"""

from __future__ import annotations

from flask import Flask, jsonify, request
from psycopg_pool import ConnectionPool


def create(url: str) -> Flask:
    app = Flask(__name__)
    pool = ConnectionPool(url, min_size=2, max_size=16, open=True)
    with pool.connection() as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_floor (id BIGSERIAL PRIMARY KEY, body TEXT)")

    @app.post("/api/v1/branches/<code>/records")
    def record(code: str):  # type: ignore[no-untyped-def]
        body = request.get_json()
        with pool.connection() as conn:
            row = conn.execute(
                "INSERT INTO bench_floor (body) VALUES (%s) RETURNING id", (body["text"],)
            ).fetchone()
        return jsonify({"id": row[0] if row else None, "branch": code}), 201

    return app
