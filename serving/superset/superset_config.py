"""Superset's own configuration for the platform's local Superset (`make bi`, the `superset` tests).

Superset imports this file (SUPERSET_CONFIG_PATH) in its own virtualenv, `.venv-bi`: standard library only.
Everything secret comes from the environment that serving/superset/local.py gives the process; nothing
here has a default password or key.
"""

import os

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]  # generated per installation, kept in its home (0600)
# Metadata (users, dashboards, charts) in SQLite in the instance's home: fine for one local user; a
# deployment points this at PostgreSQL.
SQLALCHEMY_DATABASE_URI = "sqlite:///" + os.path.join(os.environ["SUPERSET_HOME"], "superset.db")
# Databases that change Superset's own state are off: no CSV upload, no DML (the provisioning sets the same
# on the serving connection).
PREVENT_UNSAFE_DB_CONNECTIONS = True
ROW_LIMIT = 10_000
SQL_MAX_ROW = 100_000
# Nothing reaches out of the machine: no example data, no thumbnails or alerts workers to start.
FEATURE_FLAGS = {"THUMBNAILS": False, "ALERT_REPORTS": False}
