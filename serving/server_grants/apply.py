"""Run the grant statements through the platform's warehouse client, in order, stopping at the first the
server refuses (every statement is idempotent, so running them all again after a fix is safe)."""

from __future__ import annotations

import re

from clickhouse_connect.driver.exceptions import ClickHouseError

from core.warehouse import Warehouse
from serving.server_grants.plan import GrantError
from serving.server_grants.statements import Statement

# chDB (ClickHouse embedded) keeps its users in a read-only users.xml and gives its one user, `default`,
# no access management: it refuses CREATE ROLE / USER / SETTINGS PROFILE / ROW POLICY.
EMBEDDED_REFUSAL = (
    "the embedded warehouse (chDB) has no access control to apply grants to: it refused {what} ({code}); "
    "apply them on a ClickHouse server (MYMEDIC_WAREHOUSE=http(s)://...), or write them with --out FILE"
)


def _code(error: ClickHouseError) -> str:
    """The error's name, e.g. ACCESS_DENIED: a server may quote the statement, hash and all, in its text."""
    names = re.findall(r"\(([A-Z][A-Z0-9_]+)\)", str(error))
    return names[-1] if names else "refused"


def apply_statements(warehouse: Warehouse, stmts: list[Statement]) -> int:
    """Run each statement; the number run. A refusal is a GrantError naming the statement (never its SQL,
    which holds a password hash) and the server's first line."""
    for done, statement in enumerate(stmts):
        try:
            warehouse.command(statement.sql)
        except ClickHouseError as error:
            what = f"{statement.kind} {statement.subject}"
            if warehouse.settings.embedded:
                raise GrantError(EMBEDDED_REFUSAL.format(what=what, code=_code(error))) from None
            raise GrantError(
                f"the warehouse refused {what} ({_code(error)}) after {done} statement(s) applied; "
                "the server's log has the reason"
            ) from None
    return len(stmts)
