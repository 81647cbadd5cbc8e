"""The booking service's rules: the booking, payment and tele state machines, money and time rules, event
types and errors. Plain Python: no FastAPI, no SQLAlchemy, no HTTP (checked by `lint-imports`)."""
