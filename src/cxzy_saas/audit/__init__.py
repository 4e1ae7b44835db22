"""Replayable audits, computed from the tenants' event logs alone (read through the read port):
a subject's trail, the difference between two dates, a digest of every read model at a past
moment; and the sealed archives of a branch-year: the hash chain (``chain``), which events a
seal covers (``selection``), the bundle with its documents (``bundle``, ``documents``, ``pdf``)
and the offline verifier (``verify``, over the domain's aggregates: ``offline``)."""
