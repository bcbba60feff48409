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
# gunicorn.conf.py: bind, workers, and an access log without client addresses.
CMD ["gunicorn", "-c", "gunicorn.conf.py", "advocacy.wsgi:application"]
