"""Superset's configuration in the docker-compose deployment (SUPERSET_CONFIG_PATH). Standard library only;
every secret from the environment docker-compose.yml gives it, none with a default."""

import os

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = os.environ["SUPERSET_METADATA_DB"]  # PostgreSQL (its own role and database)
# Connections that change Superset's own state are off: no CSV upload, no DML.
PREVENT_UNSAFE_DB_CONNECTIONS = True
ROW_LIMIT = 10_000
SQL_MAX_ROW = 100_000
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
FEATURE_FLAGS = {"THUMBNAILS": False, "ALERT_REPORTS": False}
