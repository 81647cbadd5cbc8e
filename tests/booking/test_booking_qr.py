"""`mymedic booking qr`: QR code PNGs and A4 PDF posters per branch and doctor. The codes are decoded
(zxing-cpp) from the PNG and from the PDF as printed (rendered by poppler's `pdftoppm`), and the link they
carry opens the branch's widget page with channel=qr and the campaign. Rendered pages stay in
`.mymedic/artefacts/qr/` (gitignored) for a person to look at."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import zxingcpp
from booking_harness import START, TENANT, StaffKeys, make_config
from fastapi.testclient import TestClient
from PIL import Image
from typer.testing import CliRunner

from booking.api.app import create_app
from booking.domain.channels import widget_link
from booking.domain.clock import ManualClock
from core.settings import PROJECT_ROOT
from mymedic.cli import app

ARTEFACTS = PROJECT_ROOT / ".mymedic" / "artefacts" / "qr"
BASE_URL = "https://book.arogya.example"
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
    reason="poppler-utils is missing: apt-get install poppler-utils (make system-packages does)",
)


@pytest.fixture
def db_file(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "booking.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def widget_client(db_file: str, staff_keys: StaffKeys) -> Iterator[TestClient]:
    config = make_config(staff_keys, widget={"allowed_sites": ["https://www.arogya.example"]})
    with TestClient(create_app(config, db_url=db_file, clock=ManualClock(START))) as client:
        yield client


def _qr(args: list[str], db: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["booking", "qr", *args, "--db", db])
    return result.exit_code, result.output


def _decode(image: Image.Image) -> list[str]:
    return [
        code.text for code in zxingcpp.read_barcodes(image) if code.format == zxingcpp.BarcodeFormat.QRCode
    ]


def test_a_branch_gets_its_poster_and_one_per_doctor(db_file: str, tmp_path: Path) -> None:
    out = tmp_path / "posters"
    code, output = _qr(["--branch", "br_blr01", "--out", str(out), "--base-url", BASE_URL], db_file)
    assert code == 0, output
    assert sorted(p.name for p in out.iterdir()) == [
        "poster-br_blr01-doc_blr01_01.pdf",
        "poster-br_blr01-doc_blr01_02.pdf",
        "poster-br_blr01.pdf",
        "qr-br_blr01-doc_blr01_01.png",
        "qr-br_blr01-doc_blr01_02.png",
        "qr-br_blr01.png",
    ]
    for doctor in (None, "doc_blr01_01", "doc_blr01_02"):
        stem = "-".join(p for p in ("br_blr01", doctor) if p)
        expected = widget_link(
            BASE_URL, TENANT, "br_blr01", doctor_id=doctor, channel="qr", campaign="waiting-room"
        )
        with Image.open(out / f"qr-{stem}.png") as image:
            assert _decode(image) == [expected]
        assert expected in output


@needs_poppler
def test_the_printed_poster_scans_to_the_widget_with_channel_qr(
    db_file: str, tmp_path: Path, widget_client: TestClient
) -> None:
    out = tmp_path / "posters"
    code, output = _qr(
        ["--branch", "br_blr01", "--doctor", "doc_blr01_02", "--campaign", "lobby-2026", "--out", str(out),
         "--base-url", BASE_URL],
        db_file,
    )  # fmt: skip
    assert code == 0, output
    [pdf] = out.glob("*.pdf")
    shutil.rmtree(ARTEFACTS, ignore_errors=True)
    ARTEFACTS.mkdir(parents=True)
    subprocess.run(["pdftoppm", "-png", "-r", "100", str(pdf), str(ARTEFACTS / pdf.stem)], check=True)
    [page] = ARTEFACTS.glob("*.png")
    with Image.open(page) as image:
        assert image.size == (827, 1170)  # A4 at 100 dpi: one page, portrait
        [link] = _decode(image)
    assert link == f"{BASE_URL}/widget/{TENANT}/br_blr01?doctor=doc_blr01_02&channel=qr&campaign=lobby-2026"
    words = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    for text in ("Arogya Clinics", "Arogya Indiranagar, Bengaluru", "Dr. Doc_Blr01_02", "Dermatology",
                 "Scan to book your appointment"):  # fmt: skip
        assert text in words
    opened = widget_client.get(link.removeprefix(BASE_URL))
    assert opened.status_code == 200
    assert 'data-channel="qr"' in opened.text and 'data-campaign="lobby-2026"' in opened.text
    assert 'data-doctor="doc_blr01_02"' in opened.text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--branch", "br_nowhere"], "branch br_nowhere not found"),
        (
            ["--branch", "br_blr01", "--doctor", "doc_mum01_01"],
            "doctor doc_mum01_01 not found at branch br_blr01",
        ),
        (["--branch", "br_blr01", "--campaign", "Spring Sale"], "is not a campaign code"),
        (["--branch", "br_blr01", "--base-url", "book.example.com"], "is not an http(s) URL"),
    ],
)
def test_mistakes_are_one_line_and_a_non_zero_exit(
    db_file: str, tmp_path: Path, args: list[str], message: str
) -> None:
    if "--base-url" not in args:
        args = [*args, "--base-url", BASE_URL]
    code, output = _qr([*args, "--out", str(tmp_path / "posters")], db_file)
    assert code == 1 and message in output and "Traceback" not in output
    assert len(output.strip().splitlines()) == 1
    assert not (tmp_path / "posters").exists()
