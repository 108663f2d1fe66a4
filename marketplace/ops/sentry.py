"""Error reports to Sentry (or a compatible server such as GlitchTip) when `SENTRY_DSN` is set."""

from __future__ import annotations

from flask import Flask


def init_sentry(app: Flask) -> bool:
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return False
    # late: sentry_sdk and its integrations load only on sites that report errors, costing nothing elsewhere
    import sentry_sdk  # noqa: PLC0415
    from sentry_sdk.integrations.celery import CeleryIntegration  # noqa: PLC0415
    from sentry_sdk.integrations.flask import FlaskIntegration  # noqa: PLC0415

    sentry_sdk.init(
        dsn=dsn,
        environment=app.config.get("OCOP_ENV") or "development",
        integrations=[FlaskIntegration(), CeleryIntegration()],
        send_default_pii=False,  # no cookies, no user e-mails, no request bodies of buyers
        traces_sample_rate=0.0,
    )
    return True
