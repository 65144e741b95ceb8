# Production image: gunicorn serves the app; the same image runs the Celery worker and beat.
FROM node:20-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv UV_PYTHON_DOWNLOADS=never UV_LINK_MODE=copy \
    PATH=/opt/venv/bin:$PATH DJANGO_SETTINGS_MODULE=config.settings.production
# WeasyPrint (the scrutiny pack PDF) draws text with Pango; fonts for the PDF.
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir uv && useradd --create-home --uid 10001 app
WORKDIR /app
COPY pyproject.toml uv.lock .python-version ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
COPY --from=assets /build/node_modules/govuk-frontend /app/node_modules/govuk-frontend
COPY --from=assets /build/node_modules/chart.js /app/node_modules/chart.js
# collectstatic needs settings to import; these build-time values are not used at run time.
RUN SECRET_KEY=build-only-build-only-build-only-build-only-build-only \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 CACHE_URL=redis://build-only:6379/1 \
    python manage.py collectstatic --noinput
USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
