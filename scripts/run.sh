#!/usr/bin/env bash
# Start gunicorn and a Celery worker (with beat) on the embedded broker; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p instance
trap 'trap - INT TERM EXIT; kill 0 2>/dev/null; wait' INT TERM EXIT
.venv/bin/celery -A marketplace.worker worker -B --loglevel=warning --concurrency=2 \
  --schedule instance/celerybeat-schedule &
echo "Chợ OCOP: http://127.0.0.1:${PORT:-5000}  (Ctrl-C để dừng)"
.venv/bin/gunicorn --config scripts/gunicorn_embedded.conf.py 'marketplace:create_app()' &
wait -n
