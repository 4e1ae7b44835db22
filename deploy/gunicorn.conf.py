"""gunicorn settings for running the app factory directly, without `cxzy serve`:

    gunicorn -c deploy/gunicorn.conf.py 'cxzy_saas.web.app:create_app()'

with CXZY_DATABASE_URL and CXZY_SECRET_KEY set (PostgreSQL; the projector runs as `cxzy project
run`) and, with several workers, PROMETHEUS_MULTIPROC_DIR an empty folder of this server's (the
workers' metrics are added up there). `cxzy serve` sets the same things itself.
"""

import os

from cxzy_saas.web.requestlog import logging_config

bind = os.environ.get("CXZY_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("CXZY_WORKERS", "2"))
threads = int(os.environ.get("CXZY_THREADS", "8"))
timeout = 120
# JSON lines from the application, which writes its own access lines (never a ballot cast's,
# and never a client's address beside one): gunicorn's access log stays off.
accesslog = None
logconfig_dict = logging_config()
# gunicorn 25's control socket is one path per user ($HOME/.gunicorn/gunicorn.ctl): a second
# server on the host took it over, and stopping either removed it for both (as `cxzy serve`).
control_socket_disable = True
# Every worker must sign and check tokens with one key: set CXZY_SECRET_KEY (the application
# refuses to start without it).
