"""Settings, read once from options and the environment; nothing else reads os.environ."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("var")
    database_url: str | None = None
    # Upper bound of PostgreSQL connections this process opens, whatever the number of tenants.
    max_connections: int = 10
    # Tenant applications kept open at once; others are opened on demand and closed when evicted.
    app_cache_size: int = 64
    web: WebSettings = field(default_factory=lambda: WebSettings())

    @classmethod
    def from_env(
        cls,
        data_dir: str | os.PathLike[str] | None = None,
        database_url: str | None = None,
        max_connections: int | None = None,
    ) -> Settings:
        env = os.environ
        return cls(
            data_dir=Path(data_dir or env.get("CXZY_DATA_DIR") or "var"),
            database_url=database_url or env.get("CXZY_DATABASE_URL") or None,
            max_connections=max_connections or int(env.get("CXZY_MAX_CONNECTIONS") or 10),
            app_cache_size=int(env.get("CXZY_APP_CACHE_SIZE") or 64),
            web=WebSettings.from_env(env),
        )

    @property
    def backend(self) -> str:
        return "postgres" if self.database_url else "sqlite"


@dataclass(frozen=True)
class WebSettings:
    """Sign-in, sessions and proxies of the web application.

    Rate limits are Flask-Limiter's strings ("5 per minute; 20 per hour") and count failed
    attempts only: per account and per client address on sign-in (the pages' and the API's
    alike), per address on ballot-code entry.
    """

    public_url: str = ""  # https://… turns on Secure cookies
    trusted_proxies: int = 0  # reverse proxies in front whose X-Forwarded-* headers are true
    rate_limit_storage: str = "memory://"  # redis://… when several processes serve
    sign_in_limit: str = "5 per minute; 20 per hour"
    sign_in_address_limit: str = "20 per minute; 200 per hour"
    ballot_limit: str = "20 per minute; 200 per hour"

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.lower().startswith("https://")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> WebSettings:
        """Raises ValueError naming the setting that is wrong."""
        given = {
            "public_url": env.get("CXZY_PUBLIC_URL"),
            "rate_limit_storage": env.get("CXZY_RATE_LIMIT_STORAGE"),
            "sign_in_limit": env.get("CXZY_SIGN_IN_LIMIT"),
            "sign_in_address_limit": env.get("CXZY_SIGN_IN_ADDRESS_LIMIT"),
            "ballot_limit": env.get("CXZY_BALLOT_LIMIT"),
        }
        proxies = env.get("CXZY_TRUSTED_PROXIES") or "0"
        if not proxies.isdigit():
            raise ValueError(
                f"CXZY_TRUSTED_PROXIES={proxies!r}: give the number of proxies (0, 1, 2…)"
            )
        return cls(trusted_proxies=int(proxies), **{k: v for k, v in given.items() if v})
