"""Where the test databases live: PostgreSQL on 127.0.0.1:5432 (trust auth, user root, admin db `test`)."""

from __future__ import annotations

import os
import uuid

import psycopg

PG_HOST = os.environ.get("MYMEDIC_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("MYMEDIC_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("MYMEDIC_TEST_PG_USER", "root")
PG_ADMIN_DB = "test"
BACKENDS = ["sqlite", "postgresql"]


def pg_url(database: str) -> str:
    return f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"


def admin() -> psycopg.Connection:
    return psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=PG_ADMIN_DB, autocommit=True, connect_timeout=3
    )


def create_pg_database(prefix: str, template: str | None = None) -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin() as conn:
        conn.execute(f'create database "{name}"' + (f' template "{template}"' if template else ""))
    return name


def drop_pg_database(name: str) -> None:
    with admin() as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
