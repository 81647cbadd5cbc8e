"""Helpers shared by more than one test folder (tests/ is on sys.path: `from support.paths import REPO`).

A helper used by one folder only stays beside its tests (tests/booking/booking_harness.py,
tests/dbt_project/dbt_runner.py, tests/dictionary/dictionary_project.py).
"""
