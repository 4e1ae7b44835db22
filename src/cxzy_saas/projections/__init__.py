"""Read models for the committee, built from every tenant log read through the read port: the
catch-up engine (``engine``) run by the live projector (``projector``) and the as-of replays
(``asof``); every SQL statement naming a read-model table is in this package."""
