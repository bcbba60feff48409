FROM python:3.12-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
RUN useradd --create-home --uid 1000 advocacy
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
# collectstatic needs settings but no secrets: throwaway keys for this one step only.
RUN SECRET_KEY=collectstatic-only TOKEN_ENCRYPTION_KEYS=Y29sbGVjdHN0YXRpYy1vbmx5LW5vdC1hLXNlY3JldCE= \
    python manage.py collectstatic --noinput \
 && mkdir -p /app/var/media && chown -R advocacy /app/var
USER advocacy
EXPOSE 8000
# granian (WSGI): twice gunicorn's redirect rate on the same cores (README, "Performance"). One worker
# process per core (GRANIAN_WORKERS, set it to the container's cores), each with threads for slow
# requests (uploads, admin exports). The access log leaves the client address out: no %(addr)s.
ENV GRANIAN_INTERFACE=wsgi GRANIAN_HOST=0.0.0.0 GRANIAN_PORT=8000 GRANIAN_WORKERS=2 GRANIAN_BLOCKING_THREADS=4 \
    GRANIAN_RESPAWN_FAILED_WORKERS=true GRANIAN_WORKERS_KILL_TIMEOUT=30 \
    GRANIAN_LOG_ACCESS_ENABLED=true \
    GRANIAN_LOG_ACCESS_FMT='[%(time)s] "%(method)s %(path)s %(protocol)s" %(status)d %(dt_ms).1fms'
CMD ["granian", "advocacy.wsgi:application"]
