"""docs/bi.md lists the bi views' columns as serving/bi_views.py defines them."""

from __future__ import annotations

from serving import bi_docs
from serving.bi_views import BI_VIEWS


def test_the_bi_guide_lists_every_view_and_is_current() -> None:
    assert bi_docs.main(["check"]) == 0, "run: python -m serving.bi_docs write"
    text = bi_docs.DOC.read_text(encoding="utf-8")
    for view in BI_VIEWS:
        assert f"### `bi.{view.name}`" in text
    assert "Only in `bi_phi.payment_reconciliation`: `Booking ID`" in text
