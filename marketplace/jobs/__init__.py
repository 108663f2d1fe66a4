"""Background jobs: the Job record and its service, the job pages, and the one Celery app."""
