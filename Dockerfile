# syntax=docker/dockerfile:1
# Community Pulse: slim, non-root. Migrations run, then the bot starts (Socket Mode by default;
# pass "--http --port 3000" for HTTP mode, "--platform teams --port 3978" for Microsoft Teams).
# Configure with environment variables (see README).
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY storage ./storage
RUN python -m venv /opt/pulse \
    && /opt/pulse/bin/pip install --no-cache-dir ".[postgres,teams]"

FROM python:3.11-slim
ENV PATH="/opt/pulse/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    DATABASE_URL="sqlite:////data/pulse.db" \
    PULSE_PROMPTS_DIR=/app/prompts \
    TEAMS_REFERENCES_FILE=/data/teams-references.json
RUN groupadd --system --gid 10001 pulse \
    && useradd --system --uid 10001 --gid pulse --home-dir /app pulse \
    && mkdir -p /data /app && chown pulse:pulse /data /app
COPY --from=build /opt/pulse /opt/pulse
COPY --chown=pulse:pulse prompts /app/prompts
WORKDIR /app
USER 10001:10001
VOLUME ["/data"]
EXPOSE 3000 3978
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s CMD ["pulse", "health"]
ENTRYPOINT ["/bin/sh", "-c", "pulse db upgrade && exec pulse run \"$@\"", "--"]
CMD []
