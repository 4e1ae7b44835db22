"""Idempotent commands as the web layer asks for them: an earlier answer under a key
(``TenantApplication.answer_to``), the claim around one command, and keeping its answer.

The claim is taken by the tenant's recorder in the transaction of the command's events
(``storage/recorders.py``, decision 0006); the web layer reaches that storage only through here.
"""

from __future__ import annotations

from cxzy_saas.storage.recorders import Claim, Stored, claiming

__all__ = ["Claim", "Stored", "claiming", "keep_answer"]


def keep_answer(claim: Claim, status: int, body: str) -> None:
    """Store the answer of the command that took ``claim``, beside the claim (in the log whose
    transaction took it), so that a retry with the same key gets it."""
    claim.recorder.idempotent_store(claim.user, claim.key, status, body)
