# Two images (docker-compose.yml builds each by its target):
# `app`: gunicorn serves the site; the same image runs the Celery worker and beat.
# `proxy`: nginx in front of it, with this build's static files (deploy/nginx/).
FROM python:3.11.12-slim-bookworm AS app

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY requirements.txt constraints.txt ./
RUN pip install -r requirements.txt

COPY . .
# collectstatic needs keys and a mail route only to start Django (throwaway encryption keys); the running container gets
# the real ones (production refuses to start without them).
RUN DEBUG=False SECRET_KEY=collectstatic-only EMAIL_URL=smtp://collectstatic.invalid:25 \
    FIELD_ENCRYPTION_KEYS=$(python -m campaign.petitions.crypto) BLIND_INDEX_KEY=$(python -m campaign.petitions.crypto) \
    python manage.py collectstatic --no-input \
    && useradd --system --uid 10001 campaign && mkdir -p /app/var && chown campaign /app/var
USER campaign

EXPOSE 8000
CMD ["gunicorn", "campaign.wsgi:application", "--config", "campaign/gunicorn.conf.py"]

FROM nginx:1.28.0-bookworm AS proxy
# The site's config is mounted by docker-compose.yml (deploy/nginx/); its rendered server
# block goes to /etc/nginx/campaign/, never beside the image's default one.
RUN rm -f /etc/nginx/conf.d/default.conf && mkdir -p /etc/nginx/campaign
COPY --from=app /app/staticfiles /srv/static
