"""The claim fold (ingestion/claims_state.py): events ordered by event time whatever order they arrive in, a
deterministic tiebreak, state and amounts as known at a time, disputes and reopens as new events."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from ingestion.claims_state import ClaimEvent, fold, ordered

T0 = datetime(2026, 10, 5, 4, 30, tzinfo=UTC)


def ev(hours: float, kind: str, mid: str, **amounts: object) -> ClaimEvent:
    return ClaimEvent(T0 + timedelta(hours=hours), kind, "tpa/raksha", mid, **amounts)  # type: ignore[arg-type]


LIFE = [
    ev(0, "preauth_requested", "m1", requested_paise=10_000_000),
    ev(2, "preauth_approved", "m2", approved_paise=8_000_000),
    ev(30, "preauth_enhanced", "m3", approved_paise=9_500_000),
    ev(100, "claim_submitted", "m4", requested_paise=11_850_050),
    ev(120, "query_raised", "m5", reason_code="Q12"),
    ev(150, "query_answered", "m6"),
    ev(200, "approved_partial", "m7", approved_paise=11_000_000, deducted_paise=850_050),
    ev(260, "settled", "m8", paid_paise=10_890_000, tds_paise=110_000, utr="UTIB0000123456"),
    ev(261, "remittance_line", "m9", paid_paise=10_890_000, tds_paise=110_000, utr="UTIB0000123456"),
]


def test_the_lifecycle_folds_into_state_and_amounts() -> None:
    claim = fold("CLM-1", LIFE)
    assert claim.state == "settled"
    assert (claim.requested_paise, claim.preauth_approved_paise, claim.approved_paise, claim.deducted_paise) == (
        11_850_050, 9_500_000, 11_000_000, 850_050,
    )  # fmt: skip
    assert (claim.paid_paise, claim.tds_paise, claim.remitted_paise, claim.remitted_tds_paise) == (
        10_890_000, 110_000, 10_890_000, 110_000,
    )  # fmt: skip
    assert claim.utr == "UTIB0000123456" and claim.open_queries == 0
    assert [state for _, state in claim.history] == [
        "preauth_pending", "preauth_approved", "preauth_approved", "submitted", "query_pending", "submitted",
        "partially_approved", "settled", "settled",
    ]  # fmt: skip


def test_as_of_a_time_only_what_had_happened_counts() -> None:
    during_query = fold("CLM-1", LIFE, T0 + timedelta(hours=149, minutes=59))
    assert during_query.state == "query_pending" and during_query.reason_code == "Q12"
    assert during_query.approved_paise == 0 and during_query.requested_paise == 11_850_050
    assert len(during_query.history) == 5
    exactly_then = fold("CLM-1", LIFE, T0 + timedelta(hours=150))  # an event at the as-of time is known
    assert exactly_then.state == "submitted" and exactly_then.open_queries == 0
    assert fold("CLM-1", LIFE, T0 - timedelta(seconds=1)).history == ()


def test_a_late_event_takes_its_place_by_event_time_not_arrival() -> None:
    """The query's answer arrives (is loaded) before the query itself: the fold reads them in event time."""
    arrival = [LIFE[3], LIFE[5], LIFE[4]]  # submitted, answered, raised
    claim = fold("CLM-1", arrival)
    assert [e.event_type for e, _ in claim.history] == ["claim_submitted", "query_raised", "query_answered"]
    assert claim.state == "submitted" and claim.open_queries == 0
    assert fold("CLM-1", arrival, T0 + timedelta(hours=121)).state == "query_pending"


def test_the_fold_is_the_same_for_every_arrival_order_and_ties_break_deterministically() -> None:
    # Two events at one instant: the lifecycle order decides (raised before answered), then the message id.
    same_time = [
        ev(100, "claim_submitted", "a"),
        ev(120, "query_answered", "b"),
        ev(120, "query_raised", "z"),
        ev(120, "remittance_line", "r2", paid_paise=2),
        ev(120, "remittance_line", "r1", paid_paise=1),
    ]
    expected = fold("CLM-2", same_time)
    assert [e.message_id for e, _ in expected.history] == ["a", "z", "b", "r1", "r2"]
    for perm in itertools.permutations(same_time):
        assert fold("CLM-2", perm) == expected
    assert ordered(reversed(LIFE)) == LIFE


def test_a_dispute_and_a_reopen_are_new_events_never_edits() -> None:
    events = [
        ev(0, "claim_submitted", "s", requested_paise=3_000_000),
        ev(5, "denied", "d", reason_code="D07"),
        ev(9, "dispute_raised", "x"),
        ev(20, "reopened", "o"),
        ev(30, "approved_full", "a"),
    ]
    denied = fold("CLM-3", events, T0 + timedelta(hours=6))
    assert (denied.state, denied.reason_code, denied.approved_paise) == ("denied", "D07", 0)
    final = fold("CLM-3", events)
    assert [s for _, s in final.history] == ["submitted", "denied", "disputed", "reopened", "approved"]
    assert (final.state, final.approved_paise, final.deducted_paise, final.reason_code) == (
        "approved", 3_000_000, 0, "",
    )  # fmt: skip
