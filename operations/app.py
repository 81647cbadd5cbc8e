"""The operator page: FastAPI with server-rendered templates (operations/templates/), docs/operator-page.md.

Pages: the quarantine by feed (open records with reason and the record as received), one record with the
fix-and-replay form, the dead-letter queues with replay, and integration health. Every request needs a
staff token with the `viewer` or `operator` role (operations/access.py); viewers see PHI masked and can't
change anything. Every page view and every action, refused ones included, is written to the booking
database's audit trail (booking/infra/audit.py) in the signed-in staff member's tenant.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, File, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from booking.domain.clock import Clock, SystemClock
from booking.domain.errors import BadRequest, DomainError, Forbidden, NotFound
from booking.infra import audit
from booking.infra.db import Database
from booking.settings import BookingConfig
from core.money import format_count
from core.settings import WarehouseSettings
from core.time import to_ist
from ingestion.load_health import feed_health
from ingestion.quarantine import open_records, quarantine_by_feed, quarantined_record
from ingestion.quarantine_fixes import MAX_CORRECTED_BYTES, FixRefused, fix_record
from operations.access import COOKIE, Staff, StaffSignIn
from operations.dead_letter_queues import queues, replay_message, replay_webhook
from operations.masking import mask_reason, mask_record
from operations.warehouse_gate import WarehouseGate

log = logging.getLogger("operations.app")
TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
SHOWN_RECORDS = 200
EXCERPT_CHARS = 400  # of a record as received, in the list (the record's page shows what the quarantine kept)


@dataclass
class OperatorSettings:
    data_dir: Path  # the data directory the pipeline loads; corrected files are written into it
    warehouse: WarehouseSettings
    booking: BookingConfig  # staff sign-in (staff_auth), tenants, partner webhooks and messaging
    db_url: str  # the booking database: dead letters and the audit trail
    clock: Clock = field(default_factory=SystemClock)
    secure_cookie: bool = False  # set when served over HTTPS


def _ist(value: datetime | str | None) -> str:
    """An instant (or its RFC 3339 text, as the dead-letter services give it) as IST for people."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
    return to_ist(value).strftime("%d %b %Y, %H:%M:%S IST") if value else ""


TEMPLATES.env.filters["ist"] = _ist
TEMPLATES.env.filters["count"] = format_count
TEMPLATES.env.filters["mask_reason"] = mask_reason  # a viewer's view of an error text that may quote values


def signed_in_staff(request: Request) -> Staff:
    """The caller, from `Authorization: Bearer …` or the sign-in cookie, verified on every request."""
    header = request.headers.get("authorization", "")
    bearer = header[7:].strip() if header.lower().startswith("bearer ") else ""
    sign_in: StaffSignIn = request.app.state.sign_in
    return sign_in.staff(bearer or request.cookies.get(COOKIE))


Signed = Annotated[Staff, Depends(signed_in_staff)]


def create_app(settings: OperatorSettings) -> FastAPI:
    sign_in = StaffSignIn(settings.booking, settings.clock)
    db = Database(settings.db_url)
    gate = WarehouseGate(settings.warehouse)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        sign_in.close()
        db.dispose()

    app = FastAPI(
        title="MyMedic operator page", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.sign_in = sign_in

    def record_audit(who: Staff, action: str, entity_type: str, entity_id: str, **after: Any) -> None:
        with db.write() as session:
            audit.record(
                session, tenant_id=who.tenant_id, actor=who.actor, action=action, entity_type=entity_type,
                entity_id=entity_id[:64], at=settings.clock.now(), after={"role": who.role, **after},
            )  # fmt: skip

    def require_operator(request: Request, who: Staff, action: str, entity_type: str, entity_id: str) -> None:
        """Audits and refuses an action a viewer tried, or a form posted from another site."""
        origin = request.headers.get("origin")
        if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
            record_audit(who, "operator.refused", entity_type, entity_id, tried=action, why="cross-site")
            raise Forbidden("the form was posted from another site; use the operator page itself")
        if not who.operator:
            record_audit(who, "operator.refused", entity_type, entity_id, tried=action, why="viewer")
            who.require_operator(action.replace("_", " ").replace(".", ": "))

    def page(
        request: Request, name: str, who: Staff | None, status: int = 200, **context: Any
    ) -> HTMLResponse:
        return TEMPLATES.TemplateResponse(
            request, name, {"staff": who, "status_code": status, **context}, status_code=status
        )

    @app.exception_handler(DomainError)
    async def on_domain_error(request: Request, exc: Exception) -> HTMLResponse:
        assert isinstance(exc, DomainError)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        response = page(request, "error.html", None, exc.status_code, detail=exc.detail)
        if headers:
            response.headers.update(headers)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: Exception) -> HTMLResponse:
        assert isinstance(exc, StarletteHTTPException)
        return page(request, "error.html", None, exc.status_code, detail=str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: Exception) -> HTMLResponse:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return page(request, "error.html", None, 422, detail=f"{where}: {first.get('msg', 'invalid')}")

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/quarantine", status_code=303)

    @app.get("/signin", response_class=HTMLResponse)
    def signin_form(request: Request) -> HTMLResponse:
        return page(request, "signin.html", None)

    @app.post("/signin")
    def signin(token: Annotated[str, Form()]) -> Response:
        who = sign_in.staff(token.strip())
        record_audit(who, "operator.signed_in", "staff", who.actor)
        response = RedirectResponse("/quarantine", status_code=303)
        response.set_cookie(
            COOKIE, token.strip(), httponly=True, samesite="strict", secure=settings.secure_cookie, path="/"
        )
        return response

    @app.post("/signout")
    def signout() -> Response:
        response = RedirectResponse("/signin", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    @app.get("/quarantine", response_class=HTMLResponse)
    def quarantine(request: Request, who: Signed, feed: str = "", outcome: str = "") -> HTMLResponse:
        with gate.open() as w:
            by_feed = quarantine_by_feed(w)
            records = open_records(w, feed, limit=SHOWN_RECORDS)
        shown = [
            {
                "record": r,
                "reason": r.reason if who.operator else mask_reason(r.reason),
                "excerpt": _cut(r.raw_line if who.operator else mask_record(r.raw_line), EXCERPT_CHARS),
            }
            for r in records
        ]
        record_audit(
            who, "quarantine.viewed", "quarantine", feed or "all", records=len(shown), masked=not who.operator
        )
        return page(
            request, "quarantine.html", who, by_feed=by_feed, records=shown, feed=feed, outcome=outcome,
            open_total=sum(q.open for q in by_feed), fixed_total=sum(q.fixed for q in by_feed),
            shown_limit=SHOWN_RECORDS,
        )  # fmt: skip

    @app.get("/quarantine/{batch_id}/{line}", response_class=HTMLResponse)
    def quarantined(request: Request, who: Signed, batch_id: str, line: int) -> HTMLResponse:
        with gate.open() as w:
            record = quarantined_record(w, batch_id, line)
        if record is None:
            raise NotFound(
                f"no quarantined record {batch_id} line {line}; it may be from a load that did not commit"
            )
        record_audit(
            who,
            "quarantine.record_viewed",
            "quarantine_record",
            f"{batch_id}:{line}",
            masked=not who.operator,
        )
        return page(
            request, "record.html", who, record=record,
            reason=record.reason if who.operator else mask_reason(record.reason),
            excerpt=record.raw_line if who.operator else mask_record(record.raw_line),
            max_mb=MAX_CORRECTED_BYTES // (1024 * 1024),
        )  # fmt: skip

    @app.post("/quarantine/{batch_id}/{line}/fix")
    def fix(
        request: Request, who: Signed, batch_id: str, line: int, corrected: Annotated[UploadFile, File()]
    ) -> Response:
        entity = f"{batch_id}:{line}"
        require_operator(request, who, "quarantine.fix", "quarantine_record", entity)
        content = corrected.file.read(MAX_CORRECTED_BYTES + 1)
        try:
            with gate.open() as w:
                outcome = fix_record(
                    w, settings.data_dir, batch_id=batch_id, line=line, corrected=content, actor=who.actor,
                    at=settings.clock.now(),
                )  # fmt: skip
        except LookupError as exc:
            record_audit(who, "quarantine.fix_refused", "quarantine_record", entity, why=str(exc))
            raise NotFound(str(exc)) from None
        except FixRefused as exc:
            record_audit(who, "quarantine.fix_refused", "quarantine_record", entity, why=str(exc))
            raise BadRequest(str(exc)) from None
        load = outcome.load
        record_audit(
            who, "quarantine.fixed" if outcome.fixed else "quarantine.fix_failed", "quarantine_record", entity,
            corrected_file=outcome.corrected_file, batch=load.batch_id, status=load.status,
            rows_read=load.rows_read, rows_loaded=load.rows_loaded, rows_quarantined=load.rows_quarantined,
            rows_skipped=load.rows_skipped,
        )  # fmt: skip
        query = urlencode({"feed": outcome.record.feed, "outcome": outcome.message})
        return RedirectResponse(f"/quarantine?{query}", status_code=303)

    @app.get("/dead-letters", response_class=HTMLResponse)
    def dead_letters(request: Request, who: Signed, outcome: str = "") -> HTMLResponse:
        found = queues(db, who.tenant_id)
        record_audit(who, "dead_letters.viewed", "dead_letters", who.tenant_id,
                     webhooks=len(found.webhooks), messages=len(found.messages))  # fmt: skip
        return page(request, "dead_letters.html", who, queues=found, outcome=outcome)

    @app.post("/dead-letters/{queue}/{id_}/replay")
    def replay(request: Request, who: Signed, queue: str, id_: int) -> Response:
        if queue not in ("webhooks", "messages"):
            raise NotFound(f"no dead-letter queue {queue!r}: webhooks or messages")
        entity_type = "partner_dead_letter" if queue == "webhooks" else "message_dead_letter"
        require_operator(request, who, f"{queue}.replay", entity_type, str(id_))
        replayer = replay_webhook if queue == "webhooks" else replay_message
        try:
            result = replayer(db, settings.booking, settings.clock, who.tenant_id, id_)
        except DomainError as exc:
            record_audit(who, f"{entity_type}.replay_refused", entity_type, str(id_), why=exc.detail)
            raise
        record_audit(who, f"{entity_type}.replayed", entity_type, str(id_), outcome=result)
        query = urlencode({"outcome": f"{queue} dead letter {id_}: {result}"})
        return RedirectResponse(f"/dead-letters?{query}", status_code=303)

    @app.get("/health", response_class=HTMLResponse)
    def health(request: Request, who: Signed) -> HTMLResponse:
        with gate.open() as w:
            feeds = feed_health(w)
        record_audit(who, "health.viewed", "integration_health", "feeds", feeds=len(feeds))
        return page(request, "health.html", who, feeds=feeds)

    return app


def _cut(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[:chars] + "…"
