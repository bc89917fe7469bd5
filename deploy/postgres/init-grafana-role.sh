#!/bin/bash
# Runs once inside the postgres container on an empty data directory
# (docker-entrypoint-initdb.d): a read-only role for Grafana's table panels. The hub
# creates its tables later as POSTGRES_USER; default privileges make them readable.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v password="$SITEWATCH_GRAFANA_POSTGRES_PASSWORD" <<'SQL'
CREATE ROLE grafana LOGIN PASSWORD :'password';
GRANT CONNECT ON DATABASE sitewatch TO grafana;
GRANT USAGE ON SCHEMA public TO grafana;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO grafana;
ALTER DEFAULT PRIVILEGES FOR ROLE sitewatch IN SCHEMA public GRANT SELECT ON TABLES TO grafana;
SQL
