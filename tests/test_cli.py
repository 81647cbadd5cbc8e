"""The `mymedic` console script as a user runs it: generate, run (with bad files among good), quarantine list."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus
from support.paths import MYMEDIC, REPO

from core.settings import DAGSTER_HOME_ENV, WAREHOUSE_ENV

pytestmark = pytest.mark.slow


def mymedic(*args: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MYMEDIC, *args], capture_output=True, text=True, env=env, timeout=600, cwd=cwd)


def test_generate_run_and_quarantine_list(tmp_path: Path) -> None:
    env = {**os.environ, WAREHOUSE_ENV: f"chdb://{tmp_path / 'wh'}", "COLUMNS": "200"}
    env.pop(DAGSTER_HOME_ENV, None)  # the run is recorded where `make dagster` looks: .mymedic/dagster
    data, exports = tmp_path / "data", tmp_path / "exports"
    generated = mymedic(
        "generate", "--out", str(data), "--seed", "3", "--branches", "2", "--days", "12", env=env
    )
    assert generated.returncode == 0, generated.stderr
    assert (data / "ground_truth.json").exists()

    # Bad files arrive beside the good ones: they are quarantined, and the rest of the pipeline still runs.
    settlements = data / "settlements" / "razorpay"
    good = sorted(settlements.glob("*.csv"))[0].read_text().splitlines()
    (settlements / "broken.csv").write_text(
        "\n".join([good[0], good[1].replace(",INR,", ",XYZ,"), good[2][:40]]) + "\n"
    )
    (settlements / "wrong-shape.json").write_text('{"entity": "settlement", "id": "setl_x"}')
    (data / "events" / "garbage.ndjson").write_text('{"specversion": "1.0"\nnot json at all\n')

    ran = mymedic("run", "--data", str(data), "--exports", str(exports), env=env, cwd=tmp_path)  # logs there
    assert ran.returncode == 0, ran.stdout + ran.stderr
    out = ran.stdout
    for expected in ("razorpay_settlements", "booking_events", "bank_statements", "reference", "matched",
                     "payment_reconciliation.csv", "payment_reconciliation.xlsx", "pipeline succeeded"):  # fmt: skip
        assert expected in out, f"{expected!r} missing from:\n{out}"
    assert (exports / "finance" / "payment_reconciliation.xlsx").exists()
    # payments and refunds apart, refunds negative, amounts grouped the Indian way
    assert "payments booked ₹" in out and "refunds booked -₹" in out and "net booked ₹" in out
    assert "Refunds" in out and "exceptions to act on" in out and "open items not yet due" in out
    assert re.search(r"₹\d{1,2},\d\d,\d{3}\.\d\d", out), out  # e.g. ₹12,34,567.00: lakhs
    [log] = (tmp_path / ".mymedic" / "logs").glob("run-*.log")
    # One history: the run is in the persistent instance the Dagster UI shows, with its steps' events.
    home = tmp_path / ".mymedic" / "dagster"
    assert (home / "dagster.yaml").read_text() == (REPO / "orchestration" / "dagster.yaml").read_text()
    with DagsterInstance.from_config(str(home)) as instance:
        [run] = instance.get_runs()
        steps = [e.step_key for e in instance.all_logs(run.run_id, of_type=DagsterEventType.STEP_SUCCESS)]
    assert run.job_name == "reconcile_everything" and run.status == DagsterRunStatus.SUCCESS
    assert log.name == f"run-{run.run_id}.log" and "load_bank_statements" in steps

    listed = mymedic("quarantine", "list", "--feed", "razorpay_settlements", env=env)
    assert listed.returncode == 0, listed.stderr
    assert "broken.csv" in listed.stdout and "only INR settlements are supported" in listed.stdout
    assert "truncated line" in listed.stdout
    assert (
        "wrong-shape.json" in listed.stdout and "not a Razorpay settlement recon collection" in listed.stdout
    )
    events = mymedic("quarantine", "list", "--feed", "booking_events", env=env)
    assert "garbage.ndjson" in events.stdout and "not valid JSON" in events.stdout
    assert "broken.csv" not in events.stdout

    # the PDFs of the reconciled chain: the latest month's statement per branch, an advice per settlement
    statements = mymedic("export", "statements", "--exports", str(exports), "--export-id", "e2e", env=env)
    assert statements.returncode == 0, statements.stderr
    pdfs = sorted((exports / "finance" / "statements").glob("*/*.pdf"))
    assert len(pdfs) == 2 and all(str(p) in statements.stdout for p in pdfs), statements.stdout
    assert all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
    advice = mymedic("export", "advice", "--exports", str(exports), env=env)
    assert advice.returncode == 0, advice.stderr
    assert len(list((exports / "finance" / "settlement_advice").glob("setl_*.pdf"))) >= 12
    unknown = mymedic("export", "statements", "--branch", "br_nope", "--exports", str(exports), env=env)
    assert unknown.returncode == 1 and unknown.stderr.startswith("error: branch br_nope is not in the marts")


def test_generate_refuses_an_unknown_adt_format(tmp_path: Path) -> None:
    result = mymedic("generate", "--out", str(tmp_path / "data"), "--adt-format", "x12", env=dict(os.environ))
    assert result.returncode == 1
    assert result.stderr.strip() == "error: --adt-format 'x12' is not one of hl7, fhir, csv, none"
    assert not (tmp_path / "data").exists()


def test_generate_with_claims_writes_them_and_refuses_them_without_adt(tmp_path: Path) -> None:
    env = dict(os.environ)
    data = tmp_path / "data"
    args = ("generate", "--out", str(data), "--branches", "2", "--days", "6", "--bookings-per-day", "4")
    result = mymedic(*args, "--claims", "--adt-format", "none", env=env)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: --claims needs the ADT feed")
    assert len(result.stderr.strip().splitlines()) == 1 and not data.exists()
    assert mymedic(*args, "--claims", env=env).returncode == 0
    assert "claims" in json.loads((data / "ground_truth.json").read_text())
    assert (data / "claims" / "tpa" / "sahay" / "mapping.yaml").is_file()
