-- Fair login throttling (issue 12 §5): failures are counted per (login, client address) and per client address
-- across logins, so that nobody can lock the real owner out by failing from elsewhere, and one password tried
-- across many logins is slowed down too. Rows from before this migration, and logins through the service without
-- an address, are 'unknown'.
ALTER TABLE login_failures ADD COLUMN client_address text NOT NULL DEFAULT 'unknown'
    CONSTRAINT login_failures_client_address_length CHECK (char_length(client_address) BETWEEN 1 AND 64);

DROP INDEX login_failures_recent;
CREATE INDEX login_failures_by_login ON login_failures (login, client_address, failed_at);
CREATE INDEX login_failures_by_address ON login_failures (client_address, failed_at);
