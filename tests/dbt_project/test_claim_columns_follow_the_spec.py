"""dbt states the claim event's shape and lifecycle once, in dbt_project/macros/claim_events.sql: checked here
against ingestion/claim_event.py (the columns, the lifecycle order that breaks ties) and
ingestion/claims_state.py (the state each event leaves a claim in), so the SQL fold cannot drift from the
Python one; the two staging models' select lists are built from the macro."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment

from ingestion.claim_event import CLAIM_EVENT_COLUMNS, EVENT_TYPES
from ingestion.claims_state import STATE_AFTER, STATES

DBT = Path(__file__).resolve().parents[2] / "dbt_project"


def _macros() -> Any:
    """The claim and load-metadata macros, rendered by plain Jinja (dbt's `return` as a global)."""

    class Returned(Exception):
        pass

    def _return(value: Any) -> None:
        raise Returned(value)

    text = "\n".join(
        (DBT / f"macros/{n}.sql").read_text(encoding="utf-8") for n in ("claim_events", "load_metadata")
    )
    module = Environment().from_string(text, globals={"return": _return}).make_module()

    def call(name: str) -> Any:
        try:
            return getattr(module, name)()
        except Returned as returned:
            return returned.args[0]

    return call


def _names(select_list: str) -> list[str]:
    return [re.split(r"\s+as\s+", item.strip())[-1] for item in str(select_list).split(",") if item.strip()]


def test_the_spec_macro_lists_the_claim_event_columns_in_order() -> None:
    assert _names(_macros()("claim_spec_columns")) == [c.name for c in CLAIM_EVENT_COLUMNS]


def test_the_lifecycle_order_and_the_states_are_the_pythons() -> None:
    call = _macros()
    assert call("claim_event_types") == list(EVENT_TYPES)
    assert call("claim_state_after") == {e: s for e, s in STATE_AFTER.items() if s}
    assert [s for s in STATE_AFTER.values() if s is None] == [None]  # the remittance line, left to the SQL
    assert list(dict.fromkeys(call("claim_state_after").values())) == list(STATES)


@pytest.mark.parametrize("source", ["tpa", "nhcx"])
def test_each_staging_model_selects_the_spec_then_the_load_metadata(source: str) -> None:
    text = (DBT / f"models/staging/claims/stg_claims__{source}_events.sql").read_text(encoding="utf-8")
    body = re.search(r"renamed as \(\s*select(.*?)from source", text, re.S).group(1)
    assert body.strip() == "{{ claim_staged_columns() }}"
    spec = [c.name for c in CLAIM_EVENT_COLUMNS]
    assert _names(_macros()("claim_staged_columns")) == [
        *spec,
        "batch_id",
        "source_file",
        "source_line",
        "loaded_at",
    ]
