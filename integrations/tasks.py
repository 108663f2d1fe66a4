"""Background work for integrations (Celery tasks)."""
