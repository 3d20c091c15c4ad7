# syntax=docker/dockerfile:1
# One image for the api (`dabiwu serve`) and the scoring workers (`dabiwu worker`); see docker-compose.yml.
#
#   docker build -t dabiwu:local .
#
# Stage 1 builds the virtualenv (dependencies, then the project); stage 2 is the slim runtime with
# bubblewrap for the sandbox and a non-root user.  The web UI is the committed frontend_dist/ build.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /app
# Dependencies from pyproject.toml alone, so that a code change does not reinstall ~1 GB of them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt
COPY platform ./platform
COPY models_registry ./models_registry
COPY challenges ./challenges
COPY runtimes ./runtimes
COPY frontend_dist ./frontend_dist
COPY docker/worker_healthcheck.py ./docker/worker_healthcheck.py
# The code finds frontend_dist/ and the bundled challenges/ beside its source tree, so the project is
# installed in place (an editable install maps `dabiwu` and `models_registry` to /app; the runtime
# stage keeps both paths).  The import below fails the build if the web UI would not be found.
RUN pip install --no-deps -e . \
 && python -c "import dabiwu.cli, dabiwu.frontend as f; assert (f.DIST / 'index.html').is_file(), f.DIST"


FROM ${PYTHON_IMAGE} AS runtime
# bubblewrap: the sandbox that runs submitted models (util-linux's setpriv is already in the base image).
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 dabiwu \
 && useradd --system --uid 10001 --gid dabiwu --home-dir /var/lib/dabiwu --shell /usr/sbin/nologin dabiwu \
 && install -d -o dabiwu -g dabiwu -m 0750 /var/lib/dabiwu
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
# The default scoring runtime (runtimes/NAME/requirements.lock), built into the image from this stage's own
# Python: models run with it, never with /opt/venv. Read-only for the service user.
ENV DABIWU_RUNTIMES_DIR=/opt/runtimes
RUN PIP_NO_CACHE_DIR=1 /opt/venv/bin/dabiwu runtimes build && chmod -R a+rX,go-w /opt/runtimes
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MLFLOW_DISABLE_TELEMETRY=true \
    DABIWU_HOME=/var/lib/dabiwu \
    DABIWU_HOST=0.0.0.0 \
    DABIWU_PORT=8000
# Non-root: the api needs no privilege, and the worker's sandbox uses user namespaces instead of root.
USER dabiwu
WORKDIR /var/lib/dabiwu
EXPOSE 8000
CMD ["dabiwu", "serve", "--no-demo", "--host", "0.0.0.0", "--port", "8000"]
