#!/bin/sh
# First start of the deployment's PostgreSQL: one login role and one database per service, each owning
# its own (Dagster's storage, the booking service, Superset's metadata). Passwords from the environment.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v dagster_pw="$DAGSTER_PG_PASSWORD" -v booking_pw="$BOOKING_DB_PASSWORD" \
  -v superset_pw="$SUPERSET_DB_PASSWORD" <<'SQL'
CREATE ROLE dagster LOGIN PASSWORD :'dagster_pw';
CREATE DATABASE dagster OWNER dagster;
CREATE ROLE booking LOGIN PASSWORD :'booking_pw';
CREATE DATABASE booking OWNER booking;
CREATE ROLE superset LOGIN PASSWORD :'superset_pw';
CREATE DATABASE superset OWNER superset;
REVOKE ALL ON DATABASE dagster, booking, superset FROM PUBLIC;
SQL
