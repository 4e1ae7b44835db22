"""gunicorn settings for running the app factory directly, without `cxzy serve`:

    gunicorn -c deploy/gunicorn.conf.py 'cxzy_saas.web.app:create_app()'

with CXZY_DATABASE_URL set (PostgreSQL; the projector runs as `cxzy project run`). `cxzy serve`
sets the same things itself.
"""

import os

bind = os.environ.get("CXZY_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("CXZY_WORKERS", "2"))
threads = int(os.environ.get("CXZY_THREADS", "8"))
timeout = 120
accesslog = "-"
# Every worker must sign and check tokens with one key: set CXZY_SECRET_KEY (the application
# refuses to start without it).
