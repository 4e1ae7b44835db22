"""The read port for logs: what projections and audits read of the tenant logs, and nothing
more (``port.py``); how stored events decode (``decoding.py``); an in-memory implementation
for unit tests (``memory.py``). The real implementation reads the tenancy's stores
(``application/readport.py``); the composition roots hand it in.
"""
