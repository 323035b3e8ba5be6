#!/bin/sh
# One image, one process per container: the first argument names what to run.
#   gateway | registry | router | audit | dossier | attachments | connector   a service
#   migrate [--database-url URL] ...                                            `lienthong migrate`, then exit
#   cli <args>                                                                  any `lienthong` command
# Also the ExecStart of deploy/systemd/lienthong@.service (same layout: <root>/deploy/this file).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

usage() {
  echo "usage: docker-entrypoint.sh gateway|registry|router|audit|dossier|attachments|connector|migrate|cli [args...]" >&2
}

if [ "$#" -eq 0 ]; then
  usage
  exit 2
fi
service=$1
shift

# A service with a database role connects as that role: `lienthong migrate` writes its
# DATABASE_URL into the data folder. An explicit DATABASE_URL in the environment wins.
load_database_url() {
  file="${LT_DATA_DIR:-.data}/secrets/database-urls/$1.env"
  if [ -z "${DATABASE_URL:-}" ]; then
    if [ ! -f "$file" ]; then
      echo "lienthong: $1 needs DATABASE_URL: set it, or run \`migrate\` first (it writes $file)" >&2
      exit 1
    fi
    set -a
    . "$file"
    set +a
  fi
}

case "$service" in
  gateway|registry|router|audit|dossier)
    load_database_url "$service"
    exec node "dist/apps/$service/src/main.js" "$@"
    ;;
  attachments|connector)
    exec node "dist/apps/$service/src/main.js" "$@"
    ;;
  migrate)
    exec node dist/apps/cli/src/main.js migrate "$@"
    ;;
  cli)
    exec node dist/apps/cli/src/main.js "$@"
    ;;
  *)
    echo "lienthong: unknown service \"$service\"" >&2
    usage
    exit 2
    ;;
esac
