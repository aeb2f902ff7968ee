-- The database roles of Switchboard. Run once, as a superuser, connected to
-- Switchboard's database, by psql with these variables:
--   owner, app                   role names
--   owner_password, app_password their passwords
--   schema                       the schema Switchboard's tables live in
-- docker/postgres/init-roles.sh runs it on the first start of the compose
-- file's PostgreSQL; docker/compose_test.go runs it against a test server.
--
-- owner owns the schema and everything the migrations create in it. Only
--   `switchboard migrate` signs in as owner.
-- app is the role `switchboard serve` signs in as. It reads and writes rows,
--   owns nothing, and is neither superuser nor BYPASSRLS: row-level security
--   binds every query it makes. It cannot change the schema, so serve cannot
--   apply migrations itself: run `switchboard migrate` as owner first.
-- Neither may create databases or roles. Store tables also FORCE row-level
-- security, so even owner's queries are bound by the policies.

\set ON_ERROR_STOP on

CREATE ROLE :"owner" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'owner_password';
CREATE ROLE :"app" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'app_password';

-- Only these two connect; nobody else creates objects in public.
SELECT current_database() AS db \gset
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO :"owner", :"app";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

CREATE SCHEMA :"schema" AUTHORIZATION :"owner";
GRANT USAGE ON SCHEMA :"schema" TO :"app";
-- What owner creates later (every migration) is readable and writable by
-- app, row by row: no DDL, no TRUNCATE, no REFERENCES, no TRIGGER.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA :"schema" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA :"schema" GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO :"app";

-- Unqualified table names resolve to the schema for both.
ALTER ROLE :"owner" IN DATABASE :"db" SET search_path = :"schema";
ALTER ROLE :"app" IN DATABASE :"db" SET search_path = :"schema";
