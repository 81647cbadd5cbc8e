"""The operator page over a real chDB warehouse, a real booking database and a real uvicorn server, driven by
a real headless Chromium (Debian's /usr/bin/chromium).

The sample is the generator's chain (one branch, three days), loaded by the normal loader after two of its
booking events were broken, so they are quarantined. A viewer sees the quarantine with PHI masked and is
refused a fix (403, audited); an operator uploads the corrected record, the loader loads it as a file of its
own, and the open count drops from 2 to 1 while the quarantined original stays. Screenshots are kept in
`.mymedic/artefacts/operator/` (gitignored).
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import pytest
from operator_harness import EVENTS, Served

from core.settings import PROJECT_ROOT, warehouse_settings
from core.warehouse import open_warehouse

ARTEFACTS = PROJECT_ROOT / ".mymedic" / "artefacts" / "operator"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]  # fmt: skip


def signed_in(browser: Any, served: Served, token: str) -> Any:
    """A page of a fresh browser context, signed in through the form with `token`, on the quarantine."""
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    page.goto(f"{served.url}/signin")
    page.fill("#token", token)
    page.click("#signin")
    page.wait_for_url(f"{served.url}/quarantine")
    return page


def test_a_viewer_sees_masked_records_and_an_operator_fixes_one_and_the_count_drops(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is missing: apt-get install chromium (make system-packages does)")
    from playwright.sync_api import sync_playwright

    caplog.set_level(logging.DEBUG)
    shutil.rmtree(ARTEFACTS, ignore_errors=True)
    ARTEFACTS.mkdir(parents=True)
    patient = json.loads(served.good_lines[5])["data"]["patient_id"]
    corrected = served.data.parent / "corrected.ndjson"
    corrected.write_text(served.good_lines[5] + "\n", encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        try:
            viewer = signed_in(browser, served, served.token("viewer", "viewer-1"))
            assert viewer.inner_text("#open-total") == "2"
            assert viewer.locator("#records tr.record").count() == 2
            assert viewer.inner_text("#role") == "viewer"
            assert viewer.locator("#masked-note").is_visible()
            shown = viewer.inner_text("#records")
            assert patient not in shown and "pat_" not in shown and "2026-10-02 25:99" not in shown
            assert "time must be RFC" in shown  # the loader's words stay
            viewer.screenshot(path=str(ARTEFACTS / "quarantine-viewer.png"), full_page=True)
            viewer.locator("#records tr.record").first.locator("a.open-record").click()
            assert viewer.locator("#corrected").count() == 0  # no form for a viewer
            refused = viewer.request.post(
                viewer.url + "/fix",
                multipart={
                    "corrected": {
                        "name": "c.ndjson",
                        "mimeType": "text/plain",
                        "buffer": corrected.read_bytes(),
                    }
                },
            )
            assert refused.status == 403 and "operator role" in refused.text()

            operator = signed_in(browser, served, served.token("operator", "op-1"))
            assert operator.inner_text("#open-total") == "2"
            assert patient in operator.inner_text("#records")  # the operator sees the record as received
            row = operator.locator("#records tr.record[data-line='5']")
            row.locator("a.open-record").click()
            operator.set_input_files("#corrected", str(corrected))
            operator.screenshot(path=str(ARTEFACTS / "record-fix-form.png"), full_page=True)
            operator.click("#replay")
            operator.wait_for_selector("#outcome")
            assert operator.inner_text("#outcome").startswith(
                "fixed: events/2026-10-02.fix-5-20261004T063000Z.ndjson"
            )
            assert operator.inner_text("#open-total") == "1"
            assert operator.locator("#records tr.record").count() == 1
            operator.screenshot(path=str(ARTEFACTS / "quarantine-after-fix.png"), full_page=True)
            operator.click("text=Dead letters")
            assert operator.inner_text("#webhooks-total") == "1"
            operator.screenshot(path=str(ARTEFACTS / "dead-letters.png"), full_page=True)
            operator.click("text=Integration health")
            health = operator.locator("#health tr[data-feed='booking_events']")
            assert health.locator("td.open").inner_text() == "1"
            operator.screenshot(path=str(ARTEFACTS / "integration-health.png"), full_page=True)
        finally:
            browser.close()

    with open_warehouse(warehouse_settings(served.warehouse_url)) as w:
        ledger = w.rows(
            "select source_file, rows_read, rows_loaded, rows_quarantined, rows_skipped from raw.load_ledger "
            "where feed = 'booking_events' and source_file like 'events/2026-10-02%' order by source_file"
        )
        kept = w.scalar(
            "select count() from raw.quarantine where _source_file = {f:String} and _source_line in (5, 9)",
            {"f": EVENTS},
        )
        fixes = w.rows("select _source_file, _source_line, fixed_by_file, fixed_by from raw.quarantine_fixes")
        batch = w.scalar(
            "select _batch_id from raw.load_ledger where source_file = {f:String}", {"f": EVENTS}
        )
        loaded = w.scalar(
            "select count() from raw.booking_events where _source_file = 'events/2026-10-02.fix-5-20261004T063000Z.ndjson'"
        )
    original_lines = (served.data / EVENTS).read_text().count("\n")
    assert ledger == [
        ("events/2026-10-02.fix-5-20261004T063000Z.ndjson", 1, 1, 0, 0),  # conserved: 1 = 1 + 0 + 0
        (EVENTS, original_lines, original_lines - 2, 2, 0),  # the original load, as it was
    ]
    assert kept == 2  # the fixed record's quarantine row is kept
    assert fixes == [(EVENTS, 5, "events/2026-10-02.fix-5-20261004T063000Z.ndjson", "staff:op-1")]
    assert loaded == 1
    assert (served.data / EVENTS).read_text().count("25:99") == 2  # the original file is untouched

    audit = served.audit()
    actions = [(actor, action) for actor, action, *_ in audit]
    assert ("staff:viewer-1", "operator.signed_in") in actions
    assert ("staff:viewer-1", "operator.refused") in actions
    assert ("staff:op-1", "quarantine.fixed") in actions
    fixed = next(r for r in audit if r[1] == "quarantine.fixed")
    assert fixed[2:4] == ("quarantine_record", f"{batch}:5")
    assert fixed[4]["rows_loaded"] == 1 and fixed[4]["role"] == "operator"
    viewed = [r[4] for r in audit if r[1] == "quarantine.viewed" and r[0] == "staff:viewer-1"]
    assert viewed and all(v["masked"] for v in viewed)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert patient not in logged
