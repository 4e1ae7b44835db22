-- Read models of the committee's views, built by the projector from every tenant's log.
-- The same statements serve SQLite (one read-model file) and PostgreSQL (schema "projections");
-- parameters are written "?" and turned into "%s" for psycopg. Every table is rebuilt from
-- zero by `cxzy project rebuild`; rm_tracking holds, per tenant log, the last notification
-- whose effects are in these tables, written in the same transaction as those effects.

CREATE TABLE IF NOT EXISTS rm_tracking (
    tenant TEXT PRIMARY KEY,
    position BIGINT NOT NULL
);

-- which tenant is which (from Registry and Committee events)
CREATE TABLE IF NOT EXISTS rm_tenants (
    tenant TEXT PRIMARY KEY,
    kind TEXT NOT NULL,            -- committee | branch
    name TEXT NOT NULL,
    parent TEXT
);

-- members and groups: level member|group, subject = member number or group code
CREATE TABLE IF NOT EXISTS rm_subjects (
    tenant TEXT NOT NULL,
    level TEXT NOT NULL,
    subject TEXT NOT NULL,
    aggregate TEXT NOT NULL,
    name TEXT NOT NULL,
    grp TEXT,                      -- a member's group aggregate id
    active INTEGER NOT NULL,
    since TEXT NOT NULL,           -- the day it was enrolled or formed (as recorded, UTC+8)
    until TEXT,                    -- the day a member left, or a group was dissolved
    PRIMARY KEY (tenant, level, subject)
);

-- every version of every plan (scores are computed with the version an assessment names)
CREATE TABLE IF NOT EXISTS rm_plan_versions (
    tenant TEXT NOT NULL,
    year INTEGER NOT NULL,
    version INTEGER NOT NULL,
    content TEXT NOT NULL,         -- JSON
    PRIMARY KEY (tenant, year, version)
);

-- which version each submission of a plan carried: the committee's approval of a submission
-- puts that version in force (decision 0012)
CREATE TABLE IF NOT EXISTS rm_plan_submissions (
    tenant TEXT NOT NULL,
    year INTEGER NOT NULL,
    submission INTEGER NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (tenant, year, submission)
);

CREATE TABLE IF NOT EXISTS rm_plans (
    tenant TEXT NOT NULL,
    year INTEGER NOT NULL,
    aggregate TEXT NOT NULL,
    status TEXT NOT NULL,
    submissions INTEGER NOT NULL,
    PRIMARY KEY (tenant, year)
);

-- one row per assessment (monthly of a member or group; quarterly of a branch by its committee)
CREATE TABLE IF NOT EXISTS rm_assessments (
    tenant TEXT NOT NULL,
    year INTEGER NOT NULL,
    level TEXT NOT NULL,
    subject TEXT NOT NULL,
    period TEXT NOT NULL,          -- 2026-03 or 2026-Q1
    aggregate TEXT NOT NULL,
    plan_version INTEGER NOT NULL,
    items TEXT NOT NULL,           -- JSON: item code -> points (corrections applied)
    score DOUBLE PRECISION NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (tenant, year, level, subject, period)
);

CREATE TABLE IF NOT EXISTS rm_measures (
    tenant TEXT NOT NULL,
    measure TEXT NOT NULL,
    year INTEGER NOT NULL,
    level TEXT NOT NULL,
    subject TEXT NOT NULL,
    done INTEGER NOT NULL,
    PRIMARY KEY (tenant, measure)
);

CREATE TABLE IF NOT EXISTS rm_ballots (
    tenant TEXT NOT NULL,
    ballot TEXT NOT NULL,
    year INTEGER NOT NULL,
    title TEXT NOT NULL,
    short TEXT NOT NULL,           -- the slips' address: /b/<short>
    issued INTEGER NOT NULL,       -- codes that count (issued less voided)
    cast_count INTEGER NOT NULL,
    closed INTEGER NOT NULL,
    tallies TEXT NOT NULL,         -- JSON at close: subject -> pool -> grade -> n; turnout
    PRIMARY KEY (tenant, ballot)
);

CREATE TABLE IF NOT EXISTS rm_inspections (
    tenant TEXT NOT NULL,
    year INTEGER NOT NULL,
    quarter INTEGER NOT NULL,
    on_date TEXT NOT NULL,
    PRIMARY KEY (tenant, year, quarter)
);

-- Duties a branch owes beside its assessments and inspections (issue 13): tasks the committee
-- assigned (kind 'task', ref the task's id, due its date, done_on the branch's report), and the
-- branch committee's quarterly meetings (kind a meeting kind, ref the quarter 2026-Q1, done_on
-- the meeting's date). A missing row, or one not done by its due date, is overdue work.
-- Evaluation rounds (kind 'review', ref 2026-midyear, done_on the report to the committee) and
-- the self-summaries filed in them (kind 'summary', ref 2026-midyear-<member no>, done_on the
-- day filed): what 待办 asks for while a round is open (issue 14).
CREATE TABLE IF NOT EXISTS rm_duties (
    tenant TEXT NOT NULL,
    kind TEXT NOT NULL,
    ref TEXT NOT NULL,
    year INTEGER NOT NULL,
    title TEXT NOT NULL,
    due TEXT NOT NULL,
    done_on TEXT,
    PRIMARY KEY (tenant, kind, ref)
);

-- monthly assessments of members and groups made per period (an assessment is one aggregate
-- per subject and period: counted once), for the overdue work the dashboard counts (issue 16)
CREATE TABLE IF NOT EXISTS rm_assessment_counts (
    tenant TEXT NOT NULL,
    year INTEGER NOT NULL,
    period TEXT NOT NULL,
    assessed INTEGER NOT NULL,
    PRIMARY KEY (tenant, year, period)
);

-- daily records per month (activity trend); retracted ones subtract
CREATE TABLE IF NOT EXISTS rm_record_counts (
    tenant TEXT NOT NULL,
    year INTEGER NOT NULL,
    month INTEGER NOT NULL,
    records INTEGER NOT NULL,
    PRIMARY KEY (tenant, year, month)
);

-- what branches sent up, and what the committee decided
CREATE TABLE IF NOT EXISTS rm_submissions (
    tenant TEXT NOT NULL,
    kind TEXT NOT NULL,            -- plan | nominee | measure | midyear-report | annual-summary
    subject TEXT NOT NULL,
    submission INTEGER NOT NULL,
    year INTEGER NOT NULL,
    title TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    PRIMARY KEY (tenant, kind, subject, submission)
);

CREATE TABLE IF NOT EXISTS rm_decisions (
    committee TEXT NOT NULL,
    branch TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    submission INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    PRIMARY KEY (branch, kind, subject, submission)
);

CREATE TABLE IF NOT EXISTS rm_campaigns (
    committee TEXT NOT NULL,
    year INTEGER NOT NULL,
    title TEXT NOT NULL,
    board_open INTEGER NOT NULL,
    closed_on TEXT,
    PRIMARY KEY (committee, year)
);

-- precomputed leaderboards (recomputed for the campaigns a batch touched); a subject with
-- nothing to score (status 'unrated', 未参评) has no composite, band or rank
CREATE TABLE IF NOT EXISTS rm_leaderboard (
    committee TEXT NOT NULL,
    year INTEGER NOT NULL,
    level TEXT NOT NULL,           -- branch | group | member
    tenant TEXT NOT NULL,
    subject TEXT NOT NULL,
    name TEXT NOT NULL,
    work DOUBLE PRECISION,
    rating DOUBLE PRECISION,
    target DOUBLE PRECISION,
    composite DOUBLE PRECISION,
    rank INTEGER,
    band TEXT,
    status TEXT NOT NULL,          -- rated | unrated
    PRIMARY KEY (committee, year, level, tenant, subject)
);

-- what a score on the board lacks (decision 0021): a row only for a subject missing a component
CREATE TABLE IF NOT EXISTS rm_board_gaps (
    committee TEXT NOT NULL,
    year INTEGER NOT NULL,
    level TEXT NOT NULL,
    tenant TEXT NOT NULL,
    subject TEXT NOT NULL,
    missing TEXT NOT NULL,         -- the components, comma-separated: own, groups, members, ...
    PRIMARY KEY (committee, year, level, tenant, subject)
);

-- the same boards as ready-made JSON rows, so that a board is one row to read
CREATE TABLE IF NOT EXISTS rm_boards (
    committee TEXT NOT NULL,
    year INTEGER NOT NULL,
    level TEXT NOT NULL,
    rows TEXT NOT NULL,            -- JSON list, ranked
    PRIMARY KEY (committee, year, level)
);

-- the last notification of each tenant recorded on or before each day (as-of look-ups)
CREATE TABLE IF NOT EXISTS rm_time_index (
    tenant TEXT NOT NULL,
    day TEXT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (tenant, day)
);

-- Indexes are named without the rm_ prefix: PostgreSQL puts an index in its table's schema and
-- refuses a qualified index name (only rm_ names are qualified, db._QUALIFY).

-- a branch's daily records as its lists show them (decision 0019): one row per record, in the
-- order of its log (position: the notification that recorded it); retracted: the reason
-- (NULL while it stands)
CREATE TABLE IF NOT EXISTS rm_records (
    tenant TEXT NOT NULL,
    record TEXT NOT NULL,
    position BIGINT NOT NULL,
    year INTEGER NOT NULL,
    on_date TEXT NOT NULL,
    month INTEGER NOT NULL,
    level TEXT NOT NULL,
    subject TEXT NOT NULL,
    criterion INTEGER,
    text TEXT NOT NULL,
    evidence TEXT NOT NULL,
    recorded_by TEXT NOT NULL,     -- the user who recorded it, and when (ISO, UTC)
    recorded_at TEXT NOT NULL,
    retracted TEXT,
    retracted_by TEXT,
    retracted_at TEXT,
    PRIMARY KEY (tenant, record)
);

CREATE INDEX IF NOT EXISTS records_by_year ON rm_records (tenant, year, position);
CREATE INDEX IF NOT EXISTS records_by_day ON rm_records (tenant, year, on_date, position);
CREATE INDEX IF NOT EXISTS records_by_subject ON rm_records (tenant, year, subject, position);
CREATE INDEX IF NOT EXISTS records_by_month ON rm_records (tenant, year, month, position);

-- a branch's measures as its lists show them (decision 0019); criteria: ",1,3," (a filter
-- looks for ",3,"); reported_to, done_on: NULL until then
CREATE TABLE IF NOT EXISTS rm_measure_list (
    tenant TEXT NOT NULL,
    measure TEXT NOT NULL,
    position BIGINT NOT NULL,
    year INTEGER NOT NULL,
    level TEXT NOT NULL,
    subject TEXT NOT NULL,
    criteria TEXT NOT NULL,
    text TEXT NOT NULL,
    due TEXT NOT NULL,
    reported_to TEXT,
    acknowledged INTEGER NOT NULL,
    done_on TEXT,
    PRIMARY KEY (tenant, measure)
);

CREATE INDEX IF NOT EXISTS measures_by_year ON rm_measure_list (tenant, year, position);

-- a branch's monthly assessments as its list shows them (decision 0019); scores with the
-- corrections applied, corrections in order (JSON), month: of a monthly period, else NULL
CREATE TABLE IF NOT EXISTS rm_assessment_list (
    tenant TEXT NOT NULL,
    assessment TEXT NOT NULL,
    position BIGINT NOT NULL,
    year INTEGER NOT NULL,
    period TEXT NOT NULL,
    month INTEGER,
    level TEXT NOT NULL,
    subject TEXT NOT NULL,
    scores TEXT NOT NULL,
    plan_version INTEGER NOT NULL,
    on_date TEXT NOT NULL,
    corrections TEXT NOT NULL,
    PRIMARY KEY (tenant, assessment)
);

CREATE INDEX IF NOT EXISTS assessments_by_year ON rm_assessment_list (tenant, year, position);

-- a branch's meetings as its list shows them (decision 0019)
CREATE TABLE IF NOT EXISTS rm_meetings (
    tenant TEXT NOT NULL,
    meeting TEXT NOT NULL,
    position BIGINT NOT NULL,
    year INTEGER NOT NULL,
    kind TEXT NOT NULL,
    on_date TEXT NOT NULL,
    month INTEGER NOT NULL,
    title TEXT NOT NULL,
    attendees INTEGER NOT NULL,
    minutes TEXT NOT NULL,
    PRIMARY KEY (tenant, meeting)
);

CREATE INDEX IF NOT EXISTS meetings_by_year ON rm_meetings (tenant, year, position);

-- a branch's members as its list shows them (issue 16): grp, the group's aggregate (its code
-- is joined from rm_group_list), roles a JSON list, left_on NULL while a member
CREATE TABLE IF NOT EXISTS rm_member_list (
    tenant TEXT NOT NULL,
    member TEXT NOT NULL,
    position BIGINT NOT NULL,
    member_no TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    grp TEXT,
    roles TEXT NOT NULL,
    active INTEGER NOT NULL,
    joined_on TEXT NOT NULL,
    left_on TEXT,
    PRIMARY KEY (tenant, member)
);

CREATE INDEX IF NOT EXISTS member_list_by_position ON rm_member_list (tenant, position);
CREATE INDEX IF NOT EXISTS member_list_by_group ON rm_member_list (tenant, grp, position);

-- a branch's groups as its list shows them (issue 16)
CREATE TABLE IF NOT EXISTS rm_group_list (
    tenant TEXT NOT NULL,
    grp TEXT NOT NULL,
    position BIGINT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    dissolved INTEGER NOT NULL,
    PRIMARY KEY (tenant, grp)
);

-- a branch's quarterly inspections as its list shows them (issue 16)
CREATE TABLE IF NOT EXISTS rm_inspection_list (
    tenant TEXT NOT NULL,
    inspection TEXT NOT NULL,
    position BIGINT NOT NULL,
    year INTEGER NOT NULL,
    quarter INTEGER NOT NULL,
    on_date TEXT NOT NULL,
    measures_checked TEXT NOT NULL,
    gaps TEXT NOT NULL,
    weak_links TEXT NOT NULL,
    improvements TEXT NOT NULL,
    recorded_by TEXT NOT NULL,     -- the user who recorded it, and when (ISO, UTC)
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (tenant, inspection)
);

CREATE INDEX IF NOT EXISTS inspections_by_year ON rm_inspection_list (tenant, year, position);

-- a branch's deed materials (事迹材料) as its list shows them (issue 16): the latest text,
-- how many versions, the attachments a JSON list
CREATE TABLE IF NOT EXISTS rm_deed_list (
    tenant TEXT NOT NULL,
    deeds TEXT NOT NULL,
    position BIGINT NOT NULL,
    year INTEGER NOT NULL,
    level TEXT NOT NULL,
    subject TEXT NOT NULL,
    text TEXT NOT NULL,
    versions INTEGER NOT NULL,
    attachments TEXT NOT NULL,
    PRIMARY KEY (tenant, deeds)
);

CREATE INDEX IF NOT EXISTS deeds_by_year ON rm_deed_list (tenant, year, position);
CREATE INDEX IF NOT EXISTS deeds_by_subject ON rm_deed_list (tenant, level, subject, position);

-- a branch's annual summaries (年度总结) as its list shows them (issue 16), one a year:
-- the days reported to the members' meeting and to the committee, cleared by a revision
CREATE TABLE IF NOT EXISTS rm_summary_list (
    tenant TEXT NOT NULL,
    summary TEXT NOT NULL,
    position BIGINT NOT NULL,
    year INTEGER NOT NULL,
    basic_facts TEXT NOT NULL,
    experience TEXT NOT NULL,
    problems TEXT NOT NULL,
    plans TEXT NOT NULL,
    meeting_on TEXT,
    committee_on TEXT,
    revisions INTEGER NOT NULL,
    PRIMARY KEY (tenant, summary)
);

CREATE INDEX IF NOT EXISTS summaries_by_year ON rm_summary_list (tenant, year, position);

-- a branch's nominations (推荐名单) as its list shows them (issue 16), one a year: the
-- shortlist now (entries a JSON list; subjects ",level:subject,..." for the filters), the
-- latest submission's number and day (NULL: not submitted since started or re-opened), the
-- re-openings a JSON list; the committee's decisions are read from rm_decisions
CREATE TABLE IF NOT EXISTS rm_nomination_list (
    tenant TEXT NOT NULL,
    nomination TEXT NOT NULL,
    position BIGINT NOT NULL,
    year INTEGER NOT NULL,
    entries TEXT NOT NULL,
    subjects TEXT NOT NULL,
    submissions INTEGER NOT NULL,
    submitted_on TEXT,
    reopenings TEXT NOT NULL,
    PRIMARY KEY (tenant, nomination)
);

CREATE INDEX IF NOT EXISTS nominations_by_year ON rm_nomination_list (tenant, year, position);
