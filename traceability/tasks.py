"""Background work for traceability (Celery tasks)."""
