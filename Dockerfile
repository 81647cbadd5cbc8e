# The platform's image (docker-compose.yml: Dagster webserver and daemon, booking service, grants,
# Superset provisioning). Runs as an unprivileged user; only its working folders are writable by it.
FROM python:3.11-slim
WORKDIR /app
# DejaVu Sans: the PDF statements and settlement advices embed it (it has the rupee sign)
RUN apt-get update -q && apt-get install -y -q --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --user-group --home-dir /home/mymedic --create-home mymedic
COPY pyproject.toml requirements.lock ./
RUN pip install --no-cache-dir uv==0.13.9 && uv pip install --system --no-cache -r requirements.lock
COPY . .
# The dbt manifest is built into the image (dagster-dbt's deployment step), not parsed at each start.
RUN uv pip install --system --no-deps -e . \
    && dagster-dbt project prepare-and-package --file orchestration/dbt_project.py
# dbt writes its target/ and logs/, the runs their logs under .mymedic/, Dagster its home
RUN mkdir -p /app/.mymedic /opt/dagster/home /opt/dagster/storage \
    && chown -R mymedic:mymedic /app/.mymedic /app/dbt_project /opt/dagster
USER mymedic
