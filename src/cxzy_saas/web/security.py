"""What every response says about its own safety, and who the client is behind proxies.

- Headers by Flask-Talisman: a Content-Security-Policy that allows scripts, styles and images
  from this site only (no inline script or style: the templates keep theirs in static files),
  ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY`` (no page inside another site's frame),
  ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin`` (Flask-WTF's CSRF check
  needs the referrer of a same-site form over https), and HSTS on https requests. An uploaded
  file is served under a policy of its own (``serves_a_file``): it runs nothing, loads nothing
  and is sandboxed, although it comes from this site's origin (decision 0023).
- ``Secure`` session cookies when the site's public address (``CXZY_PUBLIC_URL``) is https; the
  TLS is usually ended by a proxy, so redirects to https are the proxy's job, not ours.
- ProxyFix trusts as many proxies as ``CXZY_TRUSTED_PROXIES`` says for the client's address,
  scheme, host and prefix; with none, X-Forwarded-* headers are ignored (a client could send
  them to pick the address the rate limits count).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

from cxzy_saas.config import WebSettings

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

# What a user uploaded, shown by the browser (an image, a PDF): no script, no request, a unique
# origin.
FILE_POLICY = {"default-src": "'none'", "sandbox": ""}

V = TypeVar("V", bound=Callable[..., object])


def serves_a_file(view: V) -> V:
    """A view whose answer is an uploaded file: Flask-Talisman sets ``FILE_POLICY`` on it in
    place of the pages' policy (its per-view options, read from the registered view; the API's
    and the pages' route wrappers keep the attribute, through ``functools.wraps``)."""
    view.talisman_view_options = {"content_security_policy": FILE_POLICY}  # type: ignore[attr-defined]
    return view


def init_app(app: Flask, settings: WebSettings) -> None:
    if settings.trusted_proxies:
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n, x_prefix=n
        )
    Talisman(
        app,
        force_https=False,
        strict_transport_security=settings.secure_cookies,
        session_cookie_secure=settings.secure_cookies,
        session_cookie_http_only=True,
        frame_options="DENY",
        content_security_policy=CONTENT_SECURITY_POLICY,
        referrer_policy="same-origin",
        x_content_type_options=True,
    )
