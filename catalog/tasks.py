"""Background work for catalog (Celery tasks)."""
