# The dict-observability image: one `dictobs` command for the worker, the claim exporter and the
# rest. Build it from the repository root (docs/deploy.md):
#
#   docker build -t registry.example.com/dict-observability:0.1.0 .
#
# The base is pinned to an exact Python release, in this one line; add its digest
# (`python:3.11.13-slim-bookworm@sha256:...`) for builds that are reproducible to the byte.
FROM python:3.11.13-slim-bookworm AS base

# Build stage: a virtual environment with the project installed from its own pyproject.toml,
# the versions pinned there. pip and the build backend stay in this stage.
FROM base AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/dictobs
COPY pyproject.toml README.md ./
COPY core ./core
COPY toolkit ./toolkit
COPY stack ./stack
COPY dictobs ./dictobs
COPY worker ./worker
COPY exporters ./exporters
COPY alerts ./alerts
COPY dashboards ./dashboards
COPY deploy ./deploy
RUN /opt/dictobs/bin/pip install . \
 && /opt/dictobs/bin/pip uninstall --yes pip setuptools

# Final stage: the interpreter and the environment, nothing to build or install with.
FROM base
LABEL org.opencontainers.image.title="dict-observability" \
      org.opencontainers.image.description="Observability and SLO pack for DICT claim processing on Temporal"
RUN groupadd --system --gid 10001 dictobs \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin dictobs \
 && python -m pip uninstall --yes pip setuptools wheel
COPY --from=build /opt/dictobs /opt/dictobs
ENV PATH=/opt/dictobs/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
# The uid the manifests run as (runAsUser 10001); the root filesystem may be read-only.
USER 10001:10001
# Kubernetes probes each container as its pod declares (the exporter's /healthz, the worker's
# ready file): no image-wide check fits both commands.
HEALTHCHECK NONE
ENTRYPOINT ["dictobs"]
CMD ["--help"]
