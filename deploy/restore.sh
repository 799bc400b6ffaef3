#!/usr/bin/env bash
# KopEdu restore: put a backup made by deploy/backup.sh back. See docs/deploy.md ("Restore").
#
#   deploy/restore.sh BACKUP_FOLDER
#
# Restores into the database named by DATABASE_URL, which must exist and be EMPTY (create it with
# `createdb`; the script refuses a database that already has KopEdu tables unless KOPEDU_RESTORE_FORCE=1,
# which drops them first), and into KOPEDU_UPLOAD_DIR (default /var/lib/kopedu/uploads): the files are
# unpacked beside it and swapped in; a folder already there is kept as <folder>.before-restore-<time>.
# Stop the app and the worker first. PG_BINDIR may name the folder of pg_restore and psql.
set -euo pipefail

backup="${1:?usage: restore.sh BACKUP_FOLDER}"
: "${DATABASE_URL:?DATABASE_URL must point at the (empty) PostgreSQL database to restore into}"
UPLOAD_DIR="${KOPEDU_UPLOAD_DIR:-/var/lib/kopedu/uploads}"
PG_RESTORE="${PG_BINDIR:+$PG_BINDIR/}pg_restore"
PSQL="${PG_BINDIR:+$PG_BINDIR/}psql"

url="$DATABASE_URL"
case "$url" in
  postgresql+psycopg://*) url="postgresql://${url#postgresql+psycopg://}" ;;
  postgres://*) url="postgresql://${url#postgres://}" ;;
esac

for f in database.dump uploads.tar.gz SHA256SUMS; do
  [ -f "$backup/$f" ] || { echo "restore.sh: $backup/$f is missing: not a KopEdu backup" >&2; exit 2; }
done
(cd "$backup" && sha256sum --check --quiet SHA256SUMS) || {
  echo "restore.sh: checksums do not match: the backup is damaged" >&2; exit 3; }

tables="$("$PSQL" --dbname="$url" --tuples-only --no-align --command \
  "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")"
if [ "$tables" != "0" ]; then
  if [ "${KOPEDU_RESTORE_FORCE:-0}" != "1" ]; then
    echo "restore.sh: the target database already has $tables tables. Restore into a new, empty database," >&2
    echo "or set KOPEDU_RESTORE_FORCE=1 to drop them first." >&2
    exit 4
  fi
  clean=(--clean --if-exists)
else
  clean=()
fi

# All or nothing: one transaction, stopped at the first error.
"$PG_RESTORE" --dbname="$url" --no-owner --no-privileges --single-transaction --exit-on-error \
  "${clean[@]}" "$backup/database.dump"

parent="$(dirname "$UPLOAD_DIR")"
mkdir -p "$parent"
incoming="$(mktemp -d "$parent/.uploads-restore.XXXXXX")"
trap 'rm -rf "$incoming"' EXIT
tar --extract --gzip --file="$backup/uploads.tar.gz" --directory="$incoming" --no-same-owner
chmod 750 "$incoming"
if [ -e "$UPLOAD_DIR" ]; then
  mv "$UPLOAD_DIR" "$UPLOAD_DIR.before-restore-$(date -u +%Y%m%dT%H%M%SZ)"
fi
mv "$incoming" "$UPLOAD_DIR"
trap - EXIT

echo "Restored $backup"
echo "  database: $(printf '%s' "$url" | sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#')"
echo "  uploads:  $UPLOAD_DIR"
echo "Next: chown -R the upload folder to the app's user, run 'flask --app wsgi db upgrade', start the app."
