# factwatch as a service: `docker compose up` runs it with PostgreSQL.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY monitor ./monitor
COPY parsers ./parsers
COPY store ./store
COPY alerts ./alerts
RUN pip install '.[postgres]' && useradd --system --home-dir /app factwatch
COPY factwatch.yaml /etc/factwatch/factwatch.yaml

USER factwatch
ENV FACTWATCH_CONFIG=/etc/factwatch/factwatch.yaml
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status == 200 else 1)"]
ENTRYPOINT ["factwatch"]
CMD ["run", "--http", "0.0.0.0:8080", "--log-format", "json"]
