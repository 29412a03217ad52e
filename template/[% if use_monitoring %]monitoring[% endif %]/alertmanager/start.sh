#!/bin/sh
# Alertmanager's start in the stack: its configuration with the mail relay
# filled in (and whether it must offer STARTTLS), then Alertmanager itself
# ("$@"). Alertmanager reads no environment, and the relay is the backend's
# own: EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER and EMAIL_SECURITY from
# .env.production, the password the same secret file (email_host_password).
# ALERT_EMAIL_TO is who is mailed, ALERT_EMAIL_FROM the sender. Each value
# must be a host name, a number, an address or a user name: anything else
# stops the start, named.
set -eu
template=${ALERTMANAGER_TEMPLATE:-/etc/alertmanager/alertmanager.yml}
# In the data volume, which the image gives its user to write.
config=${ALERTMANAGER_CONFIG:-/alertmanager/alertmanager.yml}

plain() {
  case $2 in
    '' | *[!A-Za-z0-9.@_+-]*)
      echo "alertmanager: $1 must be set, with letters, digits and . @ _ + - only" >&2
      exit 1
      ;;
  esac
}

security=${EMAIL_SECURITY:-starttls}
case $security in
  starttls) port=587 require_tls=true ;;
  # Alertmanager speaks TLS from the start on port 465.
  tls) port=465 require_tls=false ;;
  none) port=25 require_tls=false ;;
  *)
    echo "alertmanager: EMAIL_SECURITY must be starttls, tls or none" >&2
    exit 1
    ;;
esac
port=${EMAIL_PORT:-$port}
plain EMAIL_HOST "${EMAIL_HOST:-}"
plain EMAIL_PORT "$port"
plain ALERT_EMAIL_TO "${ALERT_EMAIL_TO:-}"
plain ALERT_EMAIL_FROM "${ALERT_EMAIL_FROM:-}"
user=${EMAIL_HOST_USER:-}
[ -z "$user" ] || plain EMAIL_HOST_USER "$user"

sed -e "s/@EMAIL_HOST@/$EMAIL_HOST/" \
  -e "s/@EMAIL_PORT@/$port/" \
  -e "s/@EMAIL_HOST_USER@/$user/" \
  -e "s/require_tls: true/require_tls: $require_tls/" \
  -e "s/@ALERT_EMAIL_TO@/$ALERT_EMAIL_TO/" \
  -e "s/@ALERT_EMAIL_FROM@/$ALERT_EMAIL_FROM/" \
  "$template" >"$config"
exec "$@"
