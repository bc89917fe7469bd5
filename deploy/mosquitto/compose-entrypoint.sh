#!/bin/sh
# Entrypoint of the mosquitto service in deploy/compose.yaml: make sure the hub's and the
# simulated gateway's users exist (passwords from the environment), then run Mosquitto.
# Without certificates in certs/ the gateways' TLS listener is left out, with a warning.
set -eu
conf=/mosquitto/config/mosquitto.conf
passwd=/mosquitto/config/passwd
[ -f "$passwd" ] || { touch "$passwd"; chmod 0600 "$passwd"; }
mosquitto_passwd -b "$passwd" hub "$SITEWATCH_MQTT_HUB_PASSWORD"
mosquitto_passwd -b "$passwd" riverside-science-park/gw-north "$SITEWATCH_MQTT_SIMULATOR_PASSWORD"
if [ ! -f /mosquitto/certs/broker.crt ]; then
  echo "warning: no /mosquitto/certs/broker.crt (run deploy/mosquitto/certs/make-certs.sh):" \
       "serving without the TLS listener on 8883" >&2
  sed '/^# --- gateways: MQTT over TLS/,$d' "$conf" >/tmp/mosquitto.conf
  conf=/tmp/mosquitto.conf
fi
exec mosquitto -c "$conf"
