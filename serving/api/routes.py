"""The endpoints: branch daily metrics, the reconciliation summary and its exceptions, and the health check."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response, Security
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, StringConstraints

from booking.api.schemas import Problem
from booking.domain.errors import BadRequest, NotFound
from serving.api import queries
from serving.api.auth import Caller
from serving.api.formats import CSV, csv_response, negotiate
from serving.api.pages import Page, decode_cursor, page
from serving.api.schemas import (
    BranchDaily,
    BranchDailyPage,
    ExceptionPage,
    ExceptionRow,
    ExceptionStatus,
    Health,
    Status,
    Summary,
    SummaryRow,
)
from serving.api.tenant_files import Reader, TenantFiles

PUBLISHED_AT_HEADER = "X-Serving-Published-At"
Order = tuple[tuple[str, type], ...]
Fetch = Callable[[Reader, queries.Filters, tuple[Any, ...] | None, int], list[dict[str, Any]]]
MAX_LIMIT = 1000
api_key_scheme = APIKeyHeader(
    name="X-API-Key", auto_error=False, scheme_name="ApiKey", description="A tenant's metrics API key"
)


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description}


CSV_CONTENT = {CSV: {"schema": {"type": "string"}}}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: _problem("A bad cursor, or a date range that ends before it starts"),
    401: _problem("No API key, or one that is not valid"),
    404: _problem("A branch your data does not have"),
    406: _problem("An Accept header asking for neither JSON nor CSV"),
    422: _problem("A parameter is invalid (a date, a status, the limit)"),
    503: _problem("Your data has not been published to the serving layer yet"),
}

router = APIRouter()
BranchId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")]
DateFrom = Annotated[
    date | None,
    Query(alias="from", description="First IST date (YYYY-MM-DD), inclusive", examples=["2026-10-01"]),
]
DateTo = Annotated[
    date | None,
    Query(alias="to", description="Last IST date (YYYY-MM-DD), inclusive", examples=["2026-10-31"]),
]
Branches = Annotated[list[BranchId], Query(alias="branch", description="Only these branches (repeat it)")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Rows per page, 1 to {MAX_LIMIT}")]
Cursor = Annotated[
    str | None,
    Query(max_length=512, description="From the previous page's `next` link; omit for the first page"),
]


def accepted_media(accept: Annotated[str | None, Header(include_in_schema=False)] = None) -> str:
    return negotiate(accept)


def get_caller(request: Request, api_key: Annotated[str | None, Security(api_key_scheme)] = None) -> Caller:
    return request.app.state.keys.caller(api_key)


def get_reader(request: Request, caller: Annotated[Caller, Depends(get_caller)]) -> Iterator[Reader]:
    files: TenantFiles = request.app.state.tenant_files
    with files.read(caller.tenant_id) as reader:
        yield reader


@dataclass(frozen=True)
class Paging:
    limit: int
    cursor: str | None


def paging(limit: Limit = 100, cursor: Cursor = None) -> Paging:
    return Paging(limit, cursor)


@dataclass(frozen=True)
class Call:
    """One request: who calls, the copy it reads, the format it wants, and the date range and branches
    every endpoint filters by."""

    request: Request
    response: Response
    media: str
    caller: Caller
    reader: Reader
    date_from: date | None
    date_to: date | None
    branches: list[str]

    def filters(self, statuses: list[str] | None = None) -> queries.Filters:
        if self.date_from is not None and self.date_to is not None and self.date_from > self.date_to:
            raise BadRequest(
                f"from ({self.date_from}) is after to ({self.date_to}): give a range that ends on or after it starts"
            )
        if self.branches:
            unknown = sorted(set(self.branches) - self.reader.branches)
            if unknown:
                raise NotFound(f"your data has no branch {', '.join(unknown)}", field="branch")
        return queries.Filters(
            tenant_id=self.caller.tenant_id,
            date_from=self.date_from,
            date_to=self.date_to,
            branches=tuple(sorted(set(self.branches))),
            statuses=tuple(sorted(set(statuses or ()))),
        )

    def page(self, fetch: Fetch, filters: queries.Filters, order: Order, paging: Paging) -> Page:
        after = decode_cursor(paging.cursor, order) if paging.cursor else None
        return page(fetch(self.reader, filters, after, paging.limit), paging.limit, self.request.url, order)

    def answer(
        self, model: type[BaseModel], rows: list[Any], body: BaseModel, next_link: str | None = None
    ) -> Any:
        headers = {PUBLISHED_AT_HEADER: body.model_dump(mode="json")["published_at"]}
        if next_link is not None:
            headers["Link"] = f'<{next_link}>; rel="next"'
        if self.media == CSV:
            return csv_response(model, rows, headers)
        self.response.headers.update(headers)
        return body


def get_call(
    request: Request,
    response: Response,
    media: Annotated[str, Depends(accepted_media)],
    caller: Annotated[Caller, Depends(get_caller)],
    reader: Annotated[Reader, Depends(get_reader)],
    date_from: DateFrom = None,
    date_to: DateTo = None,
    branch: Branches = [],  # noqa: B006 - FastAPI copies a list default per request
) -> Call:
    return Call(request, response, media, caller, reader, date_from, date_to, branch)


CallDep = Annotated[Call, Depends(get_call)]
PagingDep = Annotated[Paging, Depends(paging)]


@router.get("/healthz", response_model=Health, summary="Liveness (no API key needed)", tags=["health"])
def healthz() -> Health:
    return Health()


@router.get(
    "/v1/metrics/branch-daily",
    response_model=BranchDailyPage,
    responses={**ERRORS, 200: {"content": CSV_CONTENT, "description": "A page of branch days"}},
    summary="Each branch's settlement days: payout, fees, refunds, bank credit",
    tags=["metrics"],
)
def branch_daily(call: CallDep, paging: PagingDep) -> Any:
    """One row per branch and IST settlement date (from `marts.fct_branch_daily_settlements`), ordered by
    date then branch; the date range filters `settlement_date`."""
    found = call.page(queries.branch_daily, call.filters(), queries.BRANCH_DAILY_ORDER, paging)
    rows = [BranchDaily.model_validate(r) for r in found.rows]
    body = BranchDailyPage(data=rows, next=found.next, published_at=call.reader.published_at)
    return call.answer(BranchDaily, rows, body, found.next)


@router.get(
    "/v1/reconciliation/summary",
    response_model=Summary,
    responses={**ERRORS, 200: {"content": CSV_CONTENT, "description": "Counts and amounts"}},
    summary="Count and amounts per branch, status and entity type",
    tags=["reconciliation"],
)
def reconciliation_summary(
    call: CallDep,
    status: Annotated[list[Status], Query(description="Only these statuses (repeat it)")] = [],  # noqa: B006
) -> Any:
    """Every (branch, status, entity type) with rows in `marts.fct_payment_reconciliation`, with the sums of
    its amount columns as stored; the date range filters `event_date` (IST). Not paginated: it has at most
    branches × statuses × 3 rows."""
    rows = [SummaryRow.model_validate(r) for r in queries.summary(call.reader, call.filters(status))]
    return call.answer(SummaryRow, rows, Summary(data=rows, published_at=call.reader.published_at))


@router.get(
    "/v1/reconciliation/exceptions",
    response_model=ExceptionPage,
    responses={**ERRORS, 200: {"content": CSV_CONTENT, "description": "A page of exceptions"}},
    summary="Rows someone must act on (the legend's exception statuses)",
    tags=["reconciliation"],
)
def reconciliation_exceptions(
    call: CallDep,
    paging: PagingDep,
    status: Annotated[
        list[ExceptionStatus], Query(description="Only these exception statuses (repeat it)")
    ] = [],  # noqa: B006
) -> Any:
    """Rows of `marts.fct_payment_reconciliation` whose status is an exception, ordered by event date (IST),
    entity type, entity id and settlement id; the date range filters `event_date`."""
    found = call.page(queries.exceptions, call.filters(status), queries.EXCEPTION_ORDER, paging)
    rows = [ExceptionRow.model_validate(r) for r in found.rows]
    body = ExceptionPage(data=rows, next=found.next, published_at=call.reader.published_at)
    return call.answer(ExceptionRow, rows, body, found.next)
