"""The dbt macro that writes rupees into exception reasons agrees with Babel's en_IN format (the one the
CLI and the workbook use), on the real macro rendered by Jinja and run by real chDB."""

from __future__ import annotations

import jinja2

from core.money import format_rupees
from core.settings import PROJECT_ROOT
from core.warehouse import Warehouse

AMOUNTS = [0, 1, -1, 5, 99, 100, 45000, -45000, 99999, 100000, 123456, 12345678, 100051900, -1234587890,
           99999999999, 10**15, -(10**15)]  # fmt: skip


def test_rupees_text_matches_babel(warehouse: Warehouse) -> None:
    source = (PROJECT_ROOT / "dbt_project" / "macros" / "reconciliation.sql").read_text()
    macro = jinja2.Environment().from_string(source).module.rupees_text  # type: ignore[attr-defined]
    sql = str(macro("x"))
    values = ", ".join(f"toInt64({a})" for a in AMOUNTS)
    got = [r[0] for r in warehouse.rows(f"select {sql} from (select arrayJoin([{values}]) as x)")]
    assert got == [format_rupees(a) for a in AMOUNTS]
