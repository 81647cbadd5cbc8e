"""The booking widget in a real headless Chromium (Debian's /usr/bin/chromium) at phone width (360 px).

A "clinic site" on its own loopback origin pastes the `/widget.js` snippet; the patient picks a time, types
a name and a mobile number and books. The booking is attributed to the snippet's channel and campaign, and
the screenshot is kept in `.mymedic/artefacts/widget/` (gitignored). A second site, not among the tenant's
allowed sites, gets the frame refused by CSP `frame-ancestors`.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from booking_harness import START, TENANT, StaffKeys, make_config, serve_in_thread

from booking.api.app import create_app
from booking.domain.clock import ManualClock
from booking.infra.db import Database
from booking.infra.models import Booking
from core.settings import PROJECT_ROOT

ARTEFACTS = PROJECT_ROOT / ".mymedic" / "artefacts" / "widget"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
PHONE_WIDTH = 360
PATIENT = {"name": "Meera Iyer", "phone": "98450 12345"}


class ClinicSite:
    """A clinic's own web site on a loopback port of its own: one page that pastes the widget snippet."""

    def __init__(self) -> None:
        self.page = b""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(site.page)))
                self.end_headers()
                self.wfile.write(site.page)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def paste_widget(self, booking_url: str, **data: str) -> None:
        attributes = " ".join(f'data-{k}="{v}"' for k, v in data.items())
        self.page = (
            "<!doctype html><html><head><meta name='viewport' content='width=device-width, initial-scale=1'>"
            "<title>Arogya Clinics</title></head><body style='margin:0;font-family:sans-serif'>"
            "<p style='margin:8px'>Arogya Clinics, Indiranagar: book online</p>"
            f'<script src="{booking_url}/widget.js" {attributes}></script></body></html>'
        ).encode()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sites() -> Iterator[tuple[ClinicSite, ClinicSite]]:
    allowed, stranger = ClinicSite(), ClinicSite()
    try:
        yield allowed, stranger
    finally:
        allowed.close()
        stranger.close()


@pytest.fixture
def booking_url(
    sites: tuple[ClinicSite, ClinicSite], sqlite_template: Path, tmp_path: Path, staff_keys: StaffKeys
) -> Iterator[tuple[str, str]]:
    allowed, _ = sites
    path = tmp_path / "booking.db"
    shutil.copyfile(sqlite_template, path)
    db_url = f"sqlite:///{path}"
    config = make_config(staff_keys, widget={"allowed_sites": [allowed.origin]})
    with serve_in_thread(create_app(config, db_url=db_url, clock=ManualClock(START))) as url:
        yield url, db_url


def _bookings(db_url: str) -> list[tuple[str, str, str]]:
    db = Database(db_url)
    try:
        with db.read() as s:
            return [(b.doctor_id, b.channel, b.campaign) for b in s.query(Booking).all()]
    finally:
        db.dispose()


def test_a_patient_books_through_the_widget_on_a_phone_and_a_stranger_site_cannot_frame_it(
    sites: tuple[ClinicSite, ClinicSite], booking_url: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is missing: apt-get install chromium (make system-packages does)")
    from playwright.sync_api import sync_playwright

    allowed, stranger = sites
    url, db_url = booking_url
    snippet = {"tenant": TENANT, "branch": "br_blr01", "doctor": "doc_blr01_02", "campaign": "homepage"}
    allowed.paste_widget(url, **snippet)
    stranger.paste_widget(url, **snippet)
    shutil.rmtree(ARTEFACTS, ignore_errors=True)
    ARTEFACTS.mkdir(parents=True)
    console: list[str] = []
    caplog.set_level(logging.DEBUG)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        try:
            context = browser.new_context(
                viewport={"width": PHONE_WIDTH, "height": 800}, is_mobile=True, has_touch=True
            )
            page = context.new_page()
            page.on("console", lambda m: console.append(m.text))
            page.goto(allowed.origin, wait_until="load")
            widget = page.frame_locator("iframe")
            widget.locator("#doctor option[value='doc_blr01_02']").wait_for(state="attached")
            first_slot = widget.locator("#slots button").first
            first_slot.wait_for()
            assert first_slot.inner_text() == "09:00 am"  # the service's today (08:00 IST), IST times
            first_slot.click()
            widget.locator("#name").fill(PATIENT["name"])
            widget.locator("#phone").fill(PATIENT["phone"])
            page.screenshot(path=str(ARTEFACTS / f"widget-form-{PHONE_WIDTH}px.png"), full_page=True)
            widget.locator("#submit").click()
            widget.locator("#done").wait_for()
            done = widget.locator("#done").inner_text()
            assert "Deposit due: ₹239.70" in done and "bk_" in done  # 30% of ₹799
            frame = page.frame_locator("iframe").owner.bounding_box()
            assert frame is not None and frame["width"] <= PHONE_WIDTH
            inner = next(f for f in page.frames if f.url.startswith(url))
            overflow = inner.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, "the widget scrolls sideways at phone width"
            shot = ARTEFACTS / f"widget-booked-{PHONE_WIDTH}px.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000

            refused = context.new_page()
            with refused.expect_console_message(lambda m: "frame-ancestors" in m.text) as blocked:
                refused.goto(stranger.origin, wait_until="load")
            assert "has been blocked" in blocked.value.text and allowed.origin in blocked.value.text
            framed = [f for f in refused.frames if f != refused.main_frame]
            assert framed and all(f.locator("#widget").count() == 0 for f in framed)
            refused.screenshot(path=str(ARTEFACTS / "widget-refused.png"), full_page=True)
        finally:
            browser.close()

    assert _bookings(db_url) == [("doc_blr01_02", "widget", "homepage")]
    logged = "\n".join(r.getMessage() for r in caplog.records) + "\n".join(console)
    assert PATIENT["name"] not in logged and "12345" not in logged
