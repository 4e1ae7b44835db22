"""Replayable audits: a subject's trail, the difference between two dates, and a digest of
every read model at a past moment, all computed from the tenants' event logs alone."""
