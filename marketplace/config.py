"""Settings from environment variables (a `.env` file is read when present)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from dotenv import load_dotenv

from .database import sqlite_file

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment, else one generated once into instance/secret_key."""
    configured = _env("SECRET_KEY")
    if configured:
        return configured
    key_file = instance / "secret_key"
    if not key_file.exists():
        instance.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _trace_chain_key(instance: Path, environment: str) -> str:
    """TRACE_CHAIN_KEY (the hash chain's HMAC key) from the environment, else generated once into
    instance/trace_chain_key — except in production, where it must be set explicitly (and kept, with a copy apart
    from the database backups: without it no keyed chain verifies)."""
    configured = _env("TRACE_CHAIN_KEY")
    if configured:
        return configured
    if environment == "production":
        raise RuntimeError(
            "TRACE_CHAIN_KEY is not set. In production (OCOP_ENV=production) set it explicitly to a long random value "
            "(python -c 'import secrets; print(secrets.token_urlsafe(48))'), different from SECRET_KEY, and keep a "
            "copy apart from the database backups."
        )
    key_file = instance / "trace_chain_key"
    if not key_file.exists():
        draft = instance / f".trace_chain_key.{os.getpid()}"
        draft.write_text(secrets.token_urlsafe(48))
        draft.chmod(0o600)
        try:
            os.link(draft, key_file)  # atomic: the first process's key wins, the others read it
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return key_file.read_text().strip()


def _sqlalchemy_url(raw: str) -> str:
    """Accept postgres:// and postgresql:// URLs and route them through psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


DEMO_BANK_KEY = "demo-bank-key"
MIN_PRODUCTION_KEY_LENGTH = 16


def _sqlite_file_default(config: dict, key: str, on_sqlite_file: float) -> float:
    """A setting that defaults to `on_sqlite_file` on a SQLite file and to 0 elsewhere: what lives in the instance
    folder (the scan spool, the search index's version) sits on the same disk and host as a SQLite database, while a
    PostgreSQL site's web hosts have their own folders and may be lost without their database (docs/operations.md,
    "Scan write buffer" and "Signed-in pages")."""
    value = config.get(key)
    if value is not None and value != "":
        return float(value)
    return on_sqlite_file if sqlite_file(config["SQLALCHEMY_DATABASE_URI"]) else 0.0


def refuse_unsafe_production(config: dict) -> None:
    """With OCOP_ENV=production the app does not start on the demo bank-notification key (anyone could pay orders
    with it) or a short one; no key at all turns the platform-wide path off (sellers' own keys still work)."""
    if config.get("OCOP_ENV") != "production":
        return
    key = config.get("BANK_WEBHOOK_API_KEY") or ""
    if key == DEMO_BANK_KEY or (key and len(key) < MIN_PRODUCTION_KEY_LENGTH):
        raise RuntimeError(
            "OCOP_ENV=production: BANK_WEBHOOK_API_KEY is the demo key or shorter than "
            f"{MIN_PRODUCTION_KEY_LENGTH} characters; set a long random key (e.g. `openssl rand -hex 32`), "
            "or unset it to accept only sellers' own notification keys"
        )


def check_storage_settings(config: dict) -> None:
    """STORAGE names a backend, and `s3` has its bucket: refuse to start rather than fail on the first upload."""
    if config.get("STORAGE") not in ("local", "s3"):
        raise RuntimeError(f"STORAGE must be local or s3, not {config.get('STORAGE')!r}")
    if config["STORAGE"] == "s3" and not config.get("S3_BUCKET"):
        raise RuntimeError("STORAGE=s3 needs S3_BUCKET (and S3_ENDPOINT_URL for a non-AWS service)")


def build_config(overrides: dict | None = None) -> dict:
    """Everything the app reads, as one dict; tests pass overrides."""
    load_dotenv(PROJECT_ROOT / ".env")
    overrides = overrides or {}
    instance = Path(overrides.get("INSTANCE_PATH") or _env("INSTANCE_PATH") or PROJECT_ROOT / "instance")
    instance.mkdir(parents=True, exist_ok=True)
    database_url = _sqlalchemy_url(_env("DATABASE_URL") or f"sqlite:///{instance / 'ocop.sqlite'}")
    media_root = Path(_env("MEDIA_ROOT") or instance / "media")
    redis_url = _env("REDIS_URL")
    ocop_env = overrides.get("OCOP_ENV") or _env("OCOP_ENV", "development")
    if ocop_env not in ("development", "production"):
        raise RuntimeError(f"OCOP_ENV must be development or production, not {ocop_env!r}")
    config = {
        "OCOP_ENV": ocop_env,  # development | production (production refuses demo secrets)
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": None,
        "TRACE_CHAIN_KEY": None,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "PUBLIC_BASE_URL": (_env("PUBLIC_BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        "CELERY_BROKER_URL": _env("CELERY_BROKER_URL") or f"filesystem://{instance / 'broker'}",
        "CELERY_RESULT_BACKEND": _env("CELERY_RESULT_BACKEND") or f"db+sqlite:///{instance / 'celery-results.sqlite'}",
        "SEARCH_BACKEND": _env("SEARCH_BACKEND", "sql"),
        "MEILISEARCH_URL": _env("MEILISEARCH_URL"),
        "MEILISEARCH_API_KEY": _env("MEILISEARCH_API_KEY"),
        "MEDIA_ROOT": str(media_root),
        # where files live: local (MEDIA_ROOT + the instance folder) or s3 (marketplace.storage, docs/operations.md)
        "STORAGE": _env("STORAGE", "local"),
        "S3_BUCKET": _env("S3_BUCKET"),
        "S3_ENDPOINT_URL": _env("S3_ENDPOINT_URL"),
        "S3_REGION": _env("S3_REGION"),
        "AWS_ACCESS_KEY_ID": _env("AWS_ACCESS_KEY_ID"),
        "AWS_SECRET_ACCESS_KEY": _env("AWS_SECRET_ACCESS_KEY"),
        "S3_PUBLIC_BASE_URL": _env("S3_PUBLIC_BASE_URL"),
        "MAIL_DIR": str(instance / "mail"),
        "SMTP_HOST": _env("SMTP_HOST"),
        "SMTP_PORT": int(_env("SMTP_PORT", "587")),
        "SMTP_USER": _env("SMTP_USER"),
        "SMTP_PASSWORD": _env("SMTP_PASSWORD"),
        "SMTP_STARTTLS": _env("SMTP_STARTTLS", "1") == "1",
        "MAIL_FROM": _env("MAIL_FROM", "Chợ OCOP <no-reply@ocop.local>"),
        # the platform-wide key for bank notifications; the demo default only outside production (unset there:
        # only sellers' own keys are accepted)
        "BANK_WEBHOOK_API_KEY": _env("BANK_WEBHOOK_API_KEY", None if ocop_env == "production" else DEMO_BANK_KEY),
        "STRIPE_SECRET_KEY": _env("STRIPE_SECRET_KEY"),
        "STRIPE_PUBLISHABLE_KEY": _env("STRIPE_PUBLISHABLE_KEY"),
        "STRIPE_WEBHOOK_SECRET": _env("STRIPE_WEBHOOK_SECRET"),
        "STRIPE_API_BASE": _env("STRIPE_API_BASE"),
        "ORDER_PAYMENT_TTL_HOURS": int(_env("ORDER_PAYMENT_TTL_HOURS", "24")),
        # one-time codes to phones (SMS costs money: "SMS pumping" is held off by these hourly limits)
        "OTP_SENDS_PER_NUMBER_HOUR": int(_env("OTP_SENDS_PER_NUMBER_HOUR", "5")),
        "OTP_SENDS_PER_CLIENT_HOUR": int(_env("OTP_SENDS_PER_CLIENT_HOUR", "10")),
        "OTP_SENDS_GLOBAL_HOUR": int(_env("OTP_SENDS_GLOBAL_HOUR", "500")),
        "OTP_RESEND_SECONDS": int(_env("OTP_RESEND_SECONDS", "60")),
        # shared by every worker process: Redis when configured, else one SQLite file (marketplace.ratelimit_store)
        "RATELIMIT_STORAGE_URI": redis_url or f"ocop-sqlite://{instance / 'ratelimits.sqlite'}",
        "RATELIMIT_HEADERS_ENABLED": True,
        "REDIS_URL": redis_url,
        "MAX_CONTENT_LENGTH": int(_env("MAX_CONTENT_LENGTH", str(32 * 1024 * 1024))),
        "SESSION_COOKIE_SECURE": _env("SESSION_COOKIE_SECURE", "1") == "1",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _env("SESSION_COOKIE_SECURE", "1") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "LANGUAGES": {"vi": "Tiếng Việt", "en": "English"},
        "API_TITLE": "Chợ OCOP API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "SEND_FILE_MAX_AGE_DEFAULT": 86400,
        "DEMO_DATA": _env("DEMO_DATA", "1") == "1",
        "PAGE_CACHE_SECONDS": float(_env("PAGE_CACHE_SECONDS", "10")),
        # reference data every page shows (category and province chips), kept per worker, forgotten on change
        "REFERENCE_CACHE_SECONDS": float(_env("REFERENCE_CACHE_SECONDS", "60")),
        # how long a worker reuses the commune dashboard's figures (workspace/dashboard_cache.py); 0 turns it off
        "DASHBOARD_CACHE_SECONDS": float(_env("DASHBOARD_CACHE_SECONDS", "30")),
        "COMPRESS_RESPONSES": _env("COMPRESS_RESPONSES", "1") == "1",
        # the scan fast lane's write buffer (traceability/scanbuffer.py): 0 writes every scan to the database before
        # answering; unset, 1 on a SQLite file and 0 elsewhere (_sqlite_file_default)
        "SCAN_BUFFER_SECONDS": _env("SCAN_BUFFER_SECONDS"),
        "SCAN_BUFFER_SIZE": int(_env("SCAN_BUFFER_SIZE", "200")),
        # a search's answer reused while the index is unchanged (catalog/search/answers.py), at most this long;
        # unset, 300 on a SQLite file and 0 (off) elsewhere
        "SEARCH_ANSWER_SECONDS": _env("SEARCH_ANSWER_SECONDS"),
        # the scan fast lane logs one request line in this many (every answer is still timed and counted)
        "FAST_LANE_LOG_EVERY": int(_env("FAST_LANE_LOG_EVERY", "1")),
        # the one Celery beat's lease (marketplace.jobs.beat): another beat takes over this long after it dies
        "BEAT_LEASE_SECONDS": float(_env("BEAT_LEASE_SECONDS", "60")),
        # a burst of stock changes (checkouts) queues one feed rebuild per worker, this many seconds ahead
        "FEED_REBUILD_DELAY_SECONDS": float(_env("FEED_REBUILD_DELAY_SECONDS", "30")),
        # and one outbox drain per worker, this many seconds after the first new mail
        "OUTBOX_DRAIN_DELAY_SECONDS": float(_env("OUTBOX_DRAIN_DELAY_SECONDS", "2")),
        # operations (marketplace/ops/, docs/operations.md): log lines, error reports, metrics, reverse proxy
        "LOG_FORMAT": _env("LOG_FORMAT", "text"),
        "LOG_FLUSH_SECONDS": float(_env("LOG_FLUSH_SECONDS", "0.5")),
        "SENTRY_DSN": _env("SENTRY_DSN"),
        "METRICS_TOKEN": _env("METRICS_TOKEN"),
        "PROXY_FIX_HOPS": int(_env("PROXY_FIX_HOPS", "0")),
    }
    config.update(overrides)
    config["SCAN_BUFFER_SECONDS"] = _sqlite_file_default(config, "SCAN_BUFFER_SECONDS", 1.0)
    config["SEARCH_ANSWER_SECONDS"] = _sqlite_file_default(config, "SEARCH_ANSWER_SECONDS", 300.0)
    refuse_unsafe_production(config)
    check_storage_settings(config)
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _secret_key(Path(config["INSTANCE_PATH"]))
    if not config["TRACE_CHAIN_KEY"]:
        config["TRACE_CHAIN_KEY"] = _trace_chain_key(Path(config["INSTANCE_PATH"]), config["OCOP_ENV"])
    if config["TRACE_CHAIN_KEY"] == config["SECRET_KEY"]:
        raise RuntimeError("TRACE_CHAIN_KEY must differ from SECRET_KEY (a leaked session key must not forge chains).")
    return config
