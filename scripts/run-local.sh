#!/usr/bin/env bash
# Runs the web server, a Celery worker and Celery beat together; Ctrl-C stops all three.
# Without REDIS_URL the broker is kombu's filesystem transport under var/ (config/settings/local.py).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
mkdir -p var
trap 'kill 0' EXIT INT TERM
$BIN/celery -A config worker --loglevel=INFO --pool=solo --hostname=local@%h &
$BIN/celery -A config beat --loglevel=INFO --schedule=var/celerybeat-schedule &
echo "Safeguard Transitions: http://127.0.0.1:8000 (sign in as manager / safeguard-demo-2026)"
$BIN/python manage.py runserver 127.0.0.1:8000
