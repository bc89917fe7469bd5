#!/bin/bash
# Runs once inside the influxdb:2 container after its setup (docker-entrypoint-initdb.d),
# where the entrypoint exports DOCKER_INFLUXDB_INIT_BUCKET_ID and the influx CLI is
# configured with the admin token. Grafana's dashboards query with InfluxQL, which
# addresses a database and retention policy: this maps database "sitewatch" (policy
# "autogen") onto the bucket.
set -euo pipefail
influx v1 dbrp create \
  --org "$DOCKER_INFLUXDB_INIT_ORG" \
  --bucket-id "$DOCKER_INFLUXDB_INIT_BUCKET_ID" \
  --db sitewatch \
  --rp autogen \
  --default
