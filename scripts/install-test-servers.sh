#!/usr/bin/env bash
# Install the real servers the integration tests start on free ports of their own:
# Mosquitto (+ clients), PostgreSQL and VictoriaMetrics (it speaks InfluxDB's v2 write API,
# for the time-series tests). Only what is missing is installed.
set -euo pipefail
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
command -v mosquitto_pub >/dev/null 2>&1 || missing+=(mosquitto-clients)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[ -x /usr/bin/victoria-metrics ] || missing+=(victoria-metrics)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing test servers with apt-get: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  # The package enables a system service on port 8428; the tests start their own servers.
  if [[ " ${missing[*]} " == *" victoria-metrics "* ]] && [ -d /run/systemd/system ]; then
    as_root systemctl disable --now victoria-metrics >/dev/null 2>&1 || true
  fi
fi
echo "test servers present: mosquitto $(mosquitto -h 2>/dev/null | head -1 | awk '{print $3}'), postgresql $(ls /usr/lib/postgresql | sort -n | tail -1), victoria-metrics $(dpkg-query -W -f='${Version}' victoria-metrics 2>/dev/null)"
