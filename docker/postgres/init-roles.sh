#!/bin/sh
# First start of the compose file's PostgreSQL (docker-entrypoint-initdb.d):
# create Switchboard's owner and application roles (docker/postgres/roles.sql).
# The passwords come from the container's environment; psql quotes them, so
# any character is safe.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v owner=switchboard_owner -v owner_password="$SWITCHBOARD_OWNER_PASSWORD" \
  -v app=switchboard_app -v app_password="$SWITCHBOARD_APP_PASSWORD" \
  -v schema=switchboard \
  -f /switchboard/roles.sql
