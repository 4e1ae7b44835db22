-- The projector's own bookkeeping, beside the read models (the same file serves SQLite and
-- schema "projections" of each PostgreSQL cell). These tables are not read models: a rebuild
-- does not empty them and two read models are compared without them.

-- Events the projector could not decode, project or store. The tenant's tracking position
-- moved past each one in the same transaction; `cxzy project retry` projects them again.
CREATE TABLE IF NOT EXISTS rm_quarantine (
    tenant TEXT NOT NULL,
    position BIGINT NOT NULL,
    topic TEXT NOT NULL,
    error TEXT NOT NULL,
    first_seen TEXT NOT NULL,      -- ISO 8601, UTC
    attempts INTEGER NOT NULL,
    PRIMARY KEY (tenant, position)
);

-- One lease per committee (a committee with all its branches; "_registry" for the registry's
-- log): the projector worker that owns it until expires_at (PostgreSQL only; on SQLite one
-- projector process holds a file lock instead).
CREATE TABLE IF NOT EXISTS rm_leases (
    committee TEXT PRIMARY KEY,
    owner TEXT,
    expires_at TIMESTAMPTZ
);
