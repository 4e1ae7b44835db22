"""The campaign domain: aggregates, events and scoring rules. No I/O lives here."""
