# ratings-to-plex web UI for a NAS or any Docker host.
#   docker build -t ratings-to-plex .
#   docker run -d -p 8765:8765 -e RATINGS_TO_PLEX_WEB_TOKEN=<16+ characters> -v ./config:/config ratings-to-plex
# CI runs the same steps without Docker (tests/test_web_docker.py): build the wheel, install it into a fresh venv,
# start `web` with the folders below, and ask /healthz.

FROM python:3.12-slim AS wheel
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip wheel --no-cache-dir --no-deps -w /dist .

FROM python:3.12-slim
# Everything the tool keeps lives in the /config volume: settings and the stored sign-in, the run journal
# (history, undo, resume), logs and unmatched-row reports. No keyring in a container: the token file is 0600.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    RATINGS_TO_PLEX_CONFIG_DIR=/config/config \
    RATINGS_TO_PLEX_DATA_DIR=/config/data \
    RATINGS_TO_PLEX_REPORT_DIR=/config/reports \
    PYTHON_KEYRING_BACKEND=keyring.backends.fail.Keyring
COPY --from=wheel /dist/*.whl /tmp/
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir /tmp/*.whl \
 && rm /tmp/*.whl \
 && useradd --system --uid 10001 --home-dir /config --shell /usr/sbin/nologin ratings \
 && mkdir -p /config \
 && chown ratings /config
USER ratings
VOLUME /config
EXPOSE 8765
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8765/healthz', timeout=4)"]
# Listening on every address needs an access token: set RATINGS_TO_PLEX_WEB_TOKEN (16+ characters).
CMD ["ratings-to-plex", "web", "--host", "0.0.0.0"]
