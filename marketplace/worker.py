"""Entry point for `celery -A marketplace.worker worker|beat`."""

from marketplace import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
