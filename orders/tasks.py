"""Background work for orders (Celery tasks)."""
