-- Accounts, sessions, and reporting periods.

CREATE TYPE user_role AS ENUM ('clerk', 'approver', 'admin');

CREATE TABLE users (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login          text NOT NULL UNIQUE
                   CONSTRAINT users_login_format CHECK (login ~ '^[a-z0-9][a-z0-9_.-]{1,63}$'),
    display_name   text NOT NULL CHECK (btrim(display_name) <> ''),
    role           user_role NOT NULL,
    department_id  bigint REFERENCES departments(id),
    -- bcrypt, cost 12 or more; NULL means no password has been set (cannot log in).
    password_hash  text CHECK (password_hash IS NULL OR password_hash ~ '^\$2[aby]\$(1[2-9]|[23][0-9])\$'),
    disabled_at    timestamptz,
    version        integer NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    -- A clerk belongs to exactly one department.
    CONSTRAINT users_clerk_has_department CHECK (role <> 'clerk' OR department_id IS NOT NULL)
);

CREATE TABLE sessions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users(id),
    -- SHA-256 of the 256-bit token; the token itself is never stored.
    token_hash   bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    CHECK (expires_at > created_at)
);
CREATE INDEX sessions_user ON sessions (user_id) WHERE revoked_at IS NULL;

-- Failed logins, for throttling; kept per login (known or not).
CREATE TABLE login_failures (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login       text NOT NULL,
    failed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_recent ON login_failures (login, failed_at);

CREATE TYPE period_state AS ENUM ('planned', 'open', 'closed', 'locked');

CREATE TABLE periods (
    -- 2021Q1 = FY2021 Q1 = April to June 2021.
    code          text PRIMARY KEY CONSTRAINT periods_code_format CHECK (code ~ '^[0-9]{4}Q[1-4]$'),
    fiscal_year   integer NOT NULL,
    quarter       smallint NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    starts_on     date NOT NULL,
    ends_on       date NOT NULL,
    due_on        date,
    state         period_state NOT NULL DEFAULT 'planned',
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT periods_code_matches CHECK (code = fiscal_year::text || 'Q' || quarter::text),
    CONSTRAINT periods_dates CHECK (
        starts_on = make_date(fiscal_year + (CASE WHEN quarter = 4 THEN 1 ELSE 0 END),
                              CASE quarter WHEN 1 THEN 4 WHEN 2 THEN 7 WHEN 3 THEN 10 ELSE 1 END, 1)
        AND ends_on = (starts_on + interval '3 months' - interval '1 day')::date)
);

-- One department may still submit in a closed period until a date.
CREATE TABLE period_extensions (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    period_code    text NOT NULL REFERENCES periods(code),
    department_id  bigint NOT NULL REFERENCES departments(id),
    until_on       date NOT NULL,
    reason         text NOT NULL CHECK (btrim(reason) <> ''),
    granted_by     bigint NOT NULL REFERENCES users(id),
    granted_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (period_code, department_id)
);
