#!/usr/bin/env bash
# Add (or re-key) a gateway's MQTT credentials: add-gateway.sh SITE GATEWAY [PASSWORD_FILE]
#
# The user name is "SITE/GATEWAY", which the ACL's `pattern write sitewatch/v1/%u/#` turns
# into the gateway's own topics. A random password is generated and printed once: put it
# in the gateway's /etc/sitewatch/agent.env as SITEWATCH_AGENT_BROKER__PASSWORD, and set
# broker.username to the user name in its agent.yaml. Then reload Mosquitto (SIGHUP).
# PASSWORD_FILE defaults to $SITEWATCH_MOSQUITTO_PASSWD, else deploy/mosquitto/passwd.
set -euo pipefail

usage() { echo "usage: $0 SITE GATEWAY [PASSWORD_FILE]" >&2; exit 2; }
[ $# -ge 2 ] && [ $# -le 3 ] || usage
site=$1 gateway=$2
passwd_file=${3:-${SITEWATCH_MOSQUITTO_PASSWD:-$(dirname "$0")/passwd}}

# The protocol's names: letters, digits, '_', '.', '-', starting alphanumeric, <= 64.
name_re='^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'
for name in "$site" "$gateway"; do
  [[ $name =~ $name_re ]] || { echo "invalid site/gateway name: '$name'" >&2; exit 2; }
done
# sitewatch/v1/alarms/<site> is the hub's; a gateway of a site "alarms" could forge alarms.
[ "$site" != "alarms" ] || { echo "site id 'alarms' is reserved for the hub's alarms" >&2; exit 2; }
command -v mosquitto_passwd >/dev/null || { echo "mosquitto_passwd not found" >&2; exit 1; }

password=$(openssl rand -base64 33 | tr -d '\n/+=' | cut -c1-32)
[ -e "$passwd_file" ] || { (umask 077; : >"$passwd_file"); }
mosquitto_passwd -b "$passwd_file" "$site/$gateway" "$password"

echo "user:     $site/$gateway"
echo "password: $password"
echo "(shown once; not stored anywhere in clear)" >&2
