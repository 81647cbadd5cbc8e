"""`mymedic warehouse grants` on a real pipeline run: the SQL parses with the engine, covers every relation
the warehouse holds, never carries a password, and what chDB does with it (it refuses access control; it
does enforce row policies, so the policies' conditions are checked there through its users.xml)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from pydantic import SecretStr
from support.paths import MYMEDIC

from core.settings import WAREHOUSE_ENV, WarehouseSettings, warehouse_settings
from core.warehouse import Warehouse, open_warehouse
from mymedic.pipeline import run_pipeline
from sampledata import write_sample
from serving.bi_views import BI_VIEWS
from serving.server_grants import build_plan, statements
from serving.server_grants.discover import Relation, relations, tenants
from serving.server_grants.passwords import PasswordError, read_passwords
from serving.server_grants.plan import GrantError, GrantPlan

pytestmark = pytest.mark.slow

OTHER = "tnt_second_chain"
PASSWORDS = {"tnt_arogya": "arogya-bi-password-0001", OTHER: "second-chain-password-0002"}


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> tuple[WarehouseSettings, Path]:
    """One real run, then a second tenant: each mart's rows again under another tenant id (a second chain
    on the same server, as the row policies must keep apart)."""
    root = tmp_path_factory.mktemp("grants")
    write_sample(
        root / "data", seed=42, branches=2, days=5, start=date(2026, 10, 1), bookings_per_branch_day=8
    )
    settings = warehouse_settings(f"chdb://{root / 'warehouse'}")
    url = f"chdb://{root / 'warehouse'}"
    assert run_pipeline(
        root / "data", root / "exports", warehouse_url=url, serving_dir=root / "serving"
    ).success
    with open_warehouse(settings) as w:
        for table in _tenant_tables(w):
            w.command(
                f"insert into marts.{table} select * replace ('{OTHER}' as tenant_id) from marts.{table}"
            )
    secrets = root / "bi-passwords.yaml"
    secrets.write_text("".join(f"{t}: '{p}'\n" for t, p in PASSWORDS.items()))
    secrets.chmod(0o600)
    return settings, secrets


def _tenant_tables(w: Warehouse) -> list[str]:
    """Asked of the engine, not of the code under test: every marts table with a tenant_id column."""
    return [r[0] for r in w.rows(
        "select table from system.columns where database = 'marts' and name = 'tenant_id' order by table"
    )]  # fmt: skip


def _plan(w: Warehouse, *, phi: tuple[str, ...] = ()) -> GrantPlan:
    return build_plan(w.settings, tenants=tenants(w), relations=relations(w),
                      passwords={t: SecretStr(p) for t, p in PASSWORDS.items()}, phi_tenants=phi)  # fmt: skip


def _mymedic(*args: str, settings: WarehouseSettings) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, WAREHOUSE_ENV: f"chdb://{settings.path}"}
    return subprocess.run([MYMEDIC, *args], capture_output=True, text=True, env=env, timeout=300)


def test_every_statement_parses_and_every_tenant_table_is_covered(
    chain: tuple[WarehouseSettings, Path],
) -> None:
    settings, _ = chain
    with open_warehouse(settings) as w:
        plan = _plan(w, phi=(OTHER,))
        stmts = statements(plan)
        for statement in stmts:  # the engine's own parser, statement by statement
            assert w.rows(f"EXPLAIN AST {statement.sql}"), statement
        profile = next(s.sql for s in stmts if s.sql.startswith("ALTER SETTINGS PROFILE"))
        capped = re.findall(r"(\w+) = ", profile.split(" SETTINGS ", 1)[1])
        known = {
            r[0]
            for r in w.rows("select name from system.settings where name in {n:Array(String)}", {"n": capped})
        }
        assert known == set(capped) and len(capped) == 7, capped  # the engine knows every setting capped
        tables = _tenant_tables(w)
        views = w.rows(
            "select database, table from system.columns where database in ('bi', 'bi_phi') and name = 'Tenant'"
        )
        found = sorted(tenants(w))
    assert found == sorted(PASSWORDS) and len(tables) >= 4 and len(views) >= 8
    sql = [s.sql for s in stmts]
    for table in tables:
        for tenant in found:
            assert (f"CREATE ROW POLICY OR REPLACE `mymedic_tenant_{tenant}` ON `marts`.`{table}` FOR SELECT "
                    f"USING `tenant_id` = '{tenant}' AS PERMISSIVE TO `bi_{tenant}`") in sql  # fmt: skip
        # the platform's own user keeps every row once policies exist on the table
        assert f"CREATE ROW POLICY OR REPLACE `mymedic_platform` ON `marts`.`{table}` FOR SELECT USING 1 " \
               "AS PERMISSIVE TO `default`" in sql  # fmt: skip
    assert any("ON `marts`.* FOR SELECT USING `tenant_id` = 'tnt_arogya'" in s for s in sql)
    # the bi and bi_phi views too, by their Tenant column; the status legend (no tenant data) has none
    for database, view in views:
        assert (f"CREATE ROW POLICY OR REPLACE `mymedic_tenant_{OTHER}` ON `{database}`.`{view}` FOR SELECT "
                f"USING `Tenant` = '{OTHER}' AS PERMISSIVE TO `bi_{OTHER}`") in sql  # fmt: skip
    assert not any("`status_legend`" in s for s in sql)
    # bi_reader reads every marts column but the PHI ones; bi_phi_reader those, and only OTHER's user has it
    reader = [s for s in sql if s.startswith("GRANT SELECT(") and s.endswith("TO `bi_reader`")]
    phi = [s for s in sql if s.startswith("GRANT SELECT(") and s.endswith("TO `bi_phi_reader`")]
    assert len(reader) == len(tables) and not any("`booking_id`" in s for s in reader)
    # a mart a bi view reads: its PHI as the view leaves it out (none on a view whose rows are no patient's);
    # MRNs and visit numbers never to bi_reader
    recon = "GRANT SELECT(`booking_id`) ON `marts`.`fct_payment_reconciliation` TO `bi_phi_reader`"
    assert recon in phi
    assert not any(f"ON `marts`.`{v.mart}` " in s for s in phi for v in BI_VIEWS if not v.patient_level)
    assert not any("`patient_mrn`" in s or "`visit_number`" in s or "`unmapped_code`" in s for s in reader)
    episodes = next(s for s in phi if "ON `marts`.`fct_patient_episodes` " in s)
    assert all(f"`{c}`" in episodes for c in ("patient_mrn", "visit_number", "patient_id", "booking_id"))
    assert "`admit_at`" not in episodes and "`admit_at`" in next(
        s for s in reader if "ON `marts`.`fct_patient_episodes` " in s
    )
    assert "GRANT SELECT(`unmapped_code`) ON `marts`.`unmapped_codes` TO `bi_phi_reader`" in sql
    # fct_messages names the patient and the provider's message id (a WhatsApp id embeds the number):
    # bi_phi_reader only
    assert any(all(f"`{c}`" in s for c in ("patient_id", "booking_id", "provider_message_id"))
               and "`fct_messages`" in s for s in phi)  # fmt: skip
    assert not any("`patient_id`" in s or "`provider_message_id`" in s for s in reader)
    assert "GRANT `bi_phi_reader` TO `bi_tnt_second_chain`" in sql
    assert "REVOKE `bi_phi_reader` FROM `bi_tnt_arogya`" in sql
    assert not any(
        re.search(r"GRANT (SELECT|ALL|INSERT|ALTER)\b.* ON `(raw|staging|intermediate)`", s) for s in sql
    )
    profile = next(s for s in sql if s.startswith("ALTER SETTINGS PROFILE"))
    assert "readonly = 1" in profile and "max_memory_usage = 4000000000 CONST" in profile


def test_a_mart_no_view_reads_keeps_every_column_that_may_name_a_patient_from_bi_reader() -> None:
    """Fail closed: a mart added before its bi view (every mart has one today) grants bi_reader none of its
    columns that may identify a patient or their care, whatever its rows are about."""
    new = Relation("marts", "fct_not_yet_viewed", ("tenant_id", "patient_mrn", "visit_number", "department",
                                                   "branch_id", "amount_paise"))  # fmt: skip
    assert new.phi_columns == ("patient_mrn", "visit_number", "department")


def test_the_cli_writes_hashes_never_a_password(
    chain: tuple[WarehouseSettings, Path], tmp_path: Path
) -> None:
    settings, secrets = chain
    out = tmp_path / "initdb" / "10-bi-grants.sql"
    first = _mymedic("warehouse", "grants", "--passwords", str(secrets), "--out", str(out),
                     "--max-execution-time", "30", settings=settings)  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert out.stat().st_mode & 0o777 == 0o600
    script = out.read_text()
    printed = _mymedic("warehouse", "grants", "--passwords", str(secrets), settings=settings)
    assert printed.returncode == 0, printed.stderr
    for text in (script, printed.stdout, printed.stderr, first.stdout, first.stderr):
        assert not any(password in text for password in PASSWORDS.values())
    # each user's digest is sha256(password + salt), as ClickHouse checks it
    for tenant, password in PASSWORDS.items():
        digest, salt = re.search(
            rf"CREATE USER IF NOT EXISTS `bi_{tenant}` IDENTIFIED WITH sha256_hash BY '(\w+)' SALT '(\w+)'",
            script,
        ).groups()  # type: ignore[union-attr]
        assert hashlib.sha256((password + salt).encode()).hexdigest() == digest
    assert "max_execution_time = 30 CONST" in script
    # a second run says the same, but for fresh salts (same passwords)
    unsalted = re.compile(r"BY '\w+' SALT '\w+'")
    assert unsalted.sub("", script) == unsalted.sub("", printed.stdout.replace("120 CONST", "30 CONST"))


def test_chdb_refuses_access_control_in_one_line(chain: tuple[WarehouseSettings, Path]) -> None:
    settings, secrets = chain
    with open_warehouse(settings) as w:
        before = {t: w.scalar(f"select count() from marts.{t}") for t in _tenant_tables(w)}
        refused = []
        for statement in statements(_plan(w)):
            try:
                w.command(statement.sql)
            except Exception as error:  # what chDB says to each, recorded for the issue note
                refused.append(re.findall(r"\(([A-Z_]+)\)", str(error))[-1])
        stmts = len(statements(_plan(w)))
    # chDB's one user, `default`, has no access management and its users.xml is its only user directory
    assert set(refused) <= {"ACCESS_DENIED", "UNKNOWN_ROLE"} and "ACCESS_DENIED" in refused
    assert len(refused) == stmts, "chDB applied an access statement: apply can now run here"
    applied = _mymedic("warehouse", "grants", "--passwords", str(secrets), "--apply", settings=settings)
    assert applied.returncode == 1
    assert applied.stderr.count("\n") == 1 and "Traceback" not in applied.stderr
    assert "chDB" in applied.stderr and "ACCESS_DENIED" in applied.stderr and "--out FILE" in applied.stderr
    with open_warehouse(settings) as w:
        assert {t: w.scalar(f"select count() from marts.{t}") for t in before} == before


ENFORCE = textwrap.dedent(
    """
    import json, sys
    import chdb
    connection = chdb.connect(sys.argv[1])
    cursor = connection.cursor()
    seen = {}
    for relation, column in json.loads(sys.argv[2]):
        cursor.execute(f"select {column}, count() from {relation} group by 1 order by 1")
        seen[relation] = cursor.fetchall()
    print(json.dumps(seen))
    """
)


def test_chdb_enforces_each_tenant_policy_condition(
    chain: tuple[WarehouseSettings, Path], tmp_path: Path
) -> None:
    """chDB does enforce row policies, those its users.xml declares for its one user: declare there the
    plan's policies for one tenant's user, and that process sees that tenant's rows only, on every relation."""
    settings, _ = chain
    with open_warehouse(settings) as w:
        plan = _plan(w)
        everything = {
            f"{r.database}.{r.name}": dict(w.rows(f"select `{r.tenant_column}`, count() from {r.database}.`{r.name}` group by 1"))
            for r in plan.relations if r.tenant_column
        }  # fmt: skip
    assert set(everything["marts.fct_payment_reconciliation"]) == set(PASSWORDS)
    for user in plan.users:
        mine = [p for p in plan.policies() if p.to == user.name and p.table]
        assert {f"{p.database}.{p.table}" for p in mine} == set(everything)
        by_database: dict[str, str] = {}
        for p in mine:
            by_database[p.database] = by_database.get(p.database, "") + (
                f"<{p.table}><filter>{escape(p.condition)}</filter></{p.table}>"
            )
        filters = "".join(f"<{db}>{tables}</{db}>" for db, tables in by_database.items())
        users_xml = tmp_path / f"{user.name}.xml"
        users_xml.write_text(
            "<clickhouse><profiles><default/></profiles><quotas><default/></quotas><users><default>"
            "<password></password><networks><ip>::/0</ip></networks><profile>default</profile>"
            f"<quota>default</quota><databases>{filters}</databases></default></users></clickhouse>"
        )
        config = tmp_path / f"{user.name}-config.xml"
        config.write_text(f"<clickhouse><users_config>{users_xml}</users_config></clickhouse>")
        asked = [
            [f"{r.database}.`{r.name}`", f"`{r.tenant_column}`"] for r in plan.relations if r.tenant_column
        ]
        seen = subprocess.run(
            [sys.executable, "-c", ENFORCE, f"{settings.path}?config-file={config}", json.dumps(asked)],
            capture_output=True, text=True, timeout=120, check=True,
        ).stdout  # fmt: skip
        for relation, rows in json.loads(seen).items():
            key = relation.replace("`", "")
            # a mart the sample has no rows for (no claims in it) shows the tenant none
            count = everything[key].get(user.tenant_id)
            assert rows == ([[user.tenant_id, count]] if count else []), relation


def test_offline_names_the_server_databases_and_needs_tenants(chain: tuple[WarehouseSettings, Path]) -> None:
    _, secrets = chain
    server = WarehouseSettings(interface="http", host="clickhouse", username="mymedic", database="mymedic")
    url = "http://mymedic@clickhouse.invalid:8123/mymedic"  # never connected to: --offline
    offline = _mymedic("warehouse", "grants", "--passwords", str(secrets), "--offline", "--tenant", OTHER,
                       "--warehouse", url, settings=server)  # fmt: skip
    assert offline.returncode == 0, offline.stderr
    assert "ON `mymedic_marts`.* FOR SELECT USING `tenant_id` = 'tnt_second_chain'" in offline.stdout
    assert "USING 1 AS PERMISSIVE TO `mymedic`" in offline.stdout
    assert "GRANT SELECT ON `mymedic_bi`.* TO `bi_reader`" in offline.stdout
    assert "bi_tnt_arogya" not in offline.stdout
    missing = _mymedic("warehouse", "grants", "--passwords", str(secrets), "--offline", "--warehouse", url,
                       settings=server)  # fmt: skip
    assert missing.returncode == 1 and missing.stderr.strip().endswith("name them with --tenant")


def test_password_file_mistakes_are_one_line_and_never_quote_it(tmp_path: Path) -> None:
    secrets = tmp_path / "pw.yaml"
    secrets.write_text("tnt_a: 'a-long-enough-password-1'\n")
    secrets.chmod(0o644)
    with pytest.raises(PasswordError, match=r"chmod 600"):
        read_passwords(secrets)
    secrets.chmod(0o600)
    assert read_passwords(secrets)["tnt_a"].get_secret_value() == "a-long-enough-password-1"
    for content, expected in (
        ("tnt_a: short\n", "shorter than 16"),
        ("tnt_a: 12345678901234567890\n", "not text; quote it"),
        ("tnt_a: 'leaky-password-in-bad-yaml\n  : [\n", "is not YAML"),
        ("", "holds no"),
    ):
        secrets.write_text(content)
        with pytest.raises(PasswordError, match=expected) as caught:
            read_passwords(secrets)
        assert "leaky" not in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(PasswordError, match="no such file"):
        read_passwords(tmp_path / "absent.yaml")
    settings = warehouse_settings("chdb:///nowhere")
    with pytest.raises(GrantError, match="no password for tenant tnt_b"):
        build_plan(settings, tenants=["tnt_b"], relations=[], passwords={"tnt_a": SecretStr("x" * 16)})
    with pytest.raises(GrantError, match="not 1-64 letters"):
        build_plan(settings, tenants=["x'; DROP"], relations=[], passwords={})
    with pytest.raises(GrantError, match="--phi-tenant tnt_z"):
        build_plan(settings, tenants=["tnt_a"], relations=[], passwords={"tnt_a": SecretStr("x" * 16)},
                   phi_tenants=["tnt_z"])  # fmt: skip
