-- The role the backend's servers connect as: it logs in and nothing more.
-- It owns nothing, creates no role, database or table, and gets its row
-- access from the release step (manage.py migrate, run as the owner, grants
-- it to DATABASE_RUNTIME_ROLE).
--
-- psql runs this as a role that may create roles (the postgres image's
-- POSTGRES_USER), in the application's database, reading from its
-- environment:
--   POSTGRES_RUNTIME_USER            the role's name
--   POSTGRES_RUNTIME_PASSWORD_FILE   the file holding its password
-- The database image runs it once, on an empty data directory. Run again, it
-- resets the role's attributes and password (a data directory from before
-- this role, a new password): docs/DEPLOYMENT_CHECKLIST.md.
\set ON_ERROR_STOP on
\getenv runtime POSTGRES_RUNTIME_USER
\getenv password_file POSTGRES_RUNTIME_PASSWORD_FILE
\if :{?runtime}
\else
DO $$ BEGIN RAISE EXCEPTION 'POSTGRES_RUNTIME_USER is not set'; END $$;
\endif
\if :{?password_file}
\else
DO $$ BEGIN RAISE EXCEPTION 'POSTGRES_RUNTIME_PASSWORD_FILE is not set'; END $$;
\endif
-- psql drops the file's last newline, which is not part of the password.
\set password `cat :'password_file'`

SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'runtime') AS create_role,
       :'runtime' ~ '^[a-z_][a-z0-9_]*$' AS plain_name,
       :'runtime' <> current_user AS other_role,
       length(:'password') >= 16 AS long_enough \gset
\if :plain_name
\else
DO $$ BEGIN RAISE EXCEPTION 'POSTGRES_RUNTIME_USER: lower-case letters, digits, underscores'; END $$;
\endif
\if :other_role
\else
DO $$ BEGIN RAISE EXCEPTION 'POSTGRES_RUNTIME_USER names the role running this script'; END $$;
\endif
\if :long_enough
\else
DO $$ BEGIN RAISE EXCEPTION 'the runtime role''s password is shorter than 16 characters'; END $$;
\endif
\if :create_role
CREATE ROLE :"runtime";
\endif
ALTER ROLE :"runtime" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    INHERIT PASSWORD :'password';
SELECT current_database() AS database \gset
GRANT CONNECT ON DATABASE :"database" TO :"runtime";
