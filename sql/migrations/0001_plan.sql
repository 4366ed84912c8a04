-- The plan: departments, programs, projects and indicators.
-- Invariants live here as constraints, not only in Swift.

CREATE TABLE departments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL UNIQUE
                CONSTRAINT departments_code_format CHECK (code ~ '^[a-z][a-z0-9_]{1,31}$'),
    name        text NOT NULL CONSTRAINT departments_name_present CHECK (btrim(name) <> ''),
    -- The planning division reviews submissions.
    approving   boolean NOT NULL DEFAULT false,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE plans (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title                  text NOT NULL,
    plan_start_fiscal_year integer NOT NULL CHECK (plan_start_fiscal_year BETWEEN 2000 AND 2100),
    -- Only one plan is current; the table is a singleton in practice.
    singleton              boolean NOT NULL DEFAULT true UNIQUE CHECK (singleton)
);

CREATE TABLE programs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL UNIQUE CONSTRAINT programs_code_format CHECK (code ~ '^[0-9]{1,2}$'),
    name        text NOT NULL CHECK (btrim(name) <> ''),
    position    integer NOT NULL
);

CREATE TABLE projects (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The plan number as printed: 1-1, 5-2, 9.
    code              text NOT NULL UNIQUE
                      CONSTRAINT projects_code_format CHECK (code ~ '^[0-9]{1,2}(-[0-9]{1,2})?$'),
    program_id        bigint NOT NULL REFERENCES programs(id),
    position          integer NOT NULL,
    title             text NOT NULL CHECK (btrim(title) <> ''),
    subtitle          text NOT NULL DEFAULT '',
    overview          jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(overview) = 'array'),
    main_initiatives  jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(main_initiatives) = 'array'),
    target_heading    text NOT NULL DEFAULT '',
    department_id     bigint NOT NULL REFERENCES departments(id),
    version           integer NOT NULL DEFAULT 1,
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TYPE measure_kind AS ENUM ('cumulative', 'period_sum', 'level');
CREATE TYPE value_type AS ENUM ('count', 'rate', 'quantity');
CREATE TYPE direction AS ENUM ('increase', 'decrease');
CREATE TYPE target_qualifier AS ENUM ('at_least', 'at_most');

CREATE TABLE indicators (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- <project>.<n> in the seed's order: 1-1.1, 1-3.2, 2.3.
    code                text NOT NULL UNIQUE
                        CONSTRAINT indicators_code_format CHECK (code ~ '^[0-9]{1,2}(-[0-9]{1,2})?\.[0-9]{1,2}$'),
    project_id          bigint NOT NULL REFERENCES projects(id),
    position            integer NOT NULL,
    name                text NOT NULL CHECK (btrim(name) <> ''),
    target_label        text NOT NULL CHECK (btrim(target_label) <> ''),
    unit                text NOT NULL CHECK (btrim(unit) <> ''),
    actual_unit         text,
    kind                measure_kind NOT NULL,
    value_type          value_type NOT NULL,
    direction           direction NOT NULL DEFAULT 'increase',
    decimals            smallint NOT NULL CHECK (decimals BETWEEN 0 AND 6),
    baseline_value      numeric,
    baseline_as_of      date,
    baseline_label      text,
    target_value        numeric NOT NULL,
    target_fiscal_year  integer NOT NULL CHECK (target_fiscal_year BETWEEN 2000 AND 2100),
    target_qualifier    target_qualifier,
    target_note         text,
    UNIQUE (project_id, position),
    CONSTRAINT indicators_code_matches_project CHECK (split_part(code, '.', 1) <> ''),
    CONSTRAINT indicators_baseline_dated CHECK ((baseline_value IS NULL) = (baseline_as_of IS NULL)),
    CONSTRAINT indicators_count_decimals CHECK (value_type <> 'count' OR decimals = 0),
    CONSTRAINT indicators_rate_target CHECK (value_type <> 'rate' OR target_value BETWEEN 0 AND 100)
);
