#!/usr/bin/env bash
# Install the real servers the integration tests start on free ports of their own:
# Mosquitto (+ clients, mosquitto_passwd), docker-compose (its `config` only), PostgreSQL,
# VictoriaMetrics (it speaks InfluxDB's v2 write API,
# for the time-series tests) and InfluxDB 1.x (it runs the dashboards' InfluxQL queries);
# and Debian's Chromium for the console's browser tests (driven by Playwright's Python
# client; never a downloaded browser). Only what is missing is installed.
set -euo pipefail
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
command -v mosquitto_pub >/dev/null 2>&1 || missing+=(mosquitto-clients)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[ -x /usr/bin/victoria-metrics ] || missing+=(victoria-metrics)
# Compose v1 validates deploy/compose.yaml offline (no engine); the docker CLI's plugin may be absent.
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
[ -x /usr/bin/influxd ] || missing+=(influxdb)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing test servers with apt-get: ${missing[*]}"
  as_root apt-get update -qq
  # No recommends: docker-compose would otherwise pull in a Docker engine we do not run.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
  # The package enables a system service on port 8428; the tests start their own servers.
  if [[ " ${missing[*]} " == *" victoria-metrics "* ]] && [ -d /run/systemd/system ]; then
    as_root systemctl disable --now victoria-metrics >/dev/null 2>&1 || true
  fi
  # Likewise InfluxDB's service on port 8086.
  if [[ " ${missing[*]} " == *" influxdb "* ]] && [ -d /run/systemd/system ]; then
    as_root systemctl disable --now influxdb >/dev/null 2>&1 || true
  fi
fi
echo "test servers present: mosquitto $(mosquitto -h 2>/dev/null | head -1 | awk '{print $3}'), postgresql $(ls /usr/lib/postgresql | sort -n | tail -1), victoria-metrics $(dpkg-query -W -f='${Version}' victoria-metrics 2>/dev/null), influxdb $(dpkg-query -W -f='${Version}' influxdb 2>/dev/null), chromium $(dpkg-query -W -f='${Version}' chromium 2>/dev/null)"
