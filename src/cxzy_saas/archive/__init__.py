"""Sealed, tamper-evident archives of a branch's campaign year, and their offline verifier."""
