#!/usr/bin/env bash
# KopEdu backup: the PostgreSQL database (pg_dump, custom format) and the upload folder (certificate PDFs,
# handouts, template images), in one dated folder with checksums. See docs/deploy.md.
#
#   deploy/backup.sh [BACKUP_ROOT]
#
# Reads DATABASE_URL (as the app does: postgresql+psycopg://user@host:port/db is accepted),
# KOPEDU_UPLOAD_DIR (default /var/lib/kopedu/uploads), BACKUP_ROOT (argument, or KOPEDU_BACKUP_DIR,
# default /var/backups/kopedu) and KOPEDU_BACKUP_KEEP_DAYS (default 14; 0 keeps everything).
# PG_BINDIR may name the folder of pg_dump (e.g. /usr/lib/postgresql/15/bin).
# Prints the path of the finished backup on the last line.
set -euo pipefail
umask 077

: "${DATABASE_URL:?DATABASE_URL must point at the PostgreSQL database}"
UPLOAD_DIR="${KOPEDU_UPLOAD_DIR:-/var/lib/kopedu/uploads}"
ROOT="${1:-${KOPEDU_BACKUP_DIR:-/var/backups/kopedu}}"
KEEP_DAYS="${KOPEDU_BACKUP_KEEP_DAYS:-14}"
PG_DUMP="${PG_BINDIR:+$PG_BINDIR/}pg_dump"

# libpq understands postgresql://…, not SQLAlchemy's driver suffix.
url="$DATABASE_URL"
case "$url" in
  postgresql+psycopg://*) url="postgresql://${url#postgresql+psycopg://}" ;;
  postgres://*) url="postgresql://${url#postgres://}" ;;
esac
case "$url" in
  postgresql://*) ;;
  *) echo "backup.sh: DATABASE_URL is not a PostgreSQL URL (the SQLite default is backed up by copying instance/)" >&2
     exit 2 ;;
esac

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
final="$ROOT/kopedu-$stamp"
work="$ROOT/.kopedu-$stamp.partial"
mkdir -p "$ROOT"
rm -rf "$work"
mkdir "$work"
trap 'rm -rf "$work"' EXIT

# 1. The database first: every file a row names exists by then (files are only ever added, or removed
#    after their row stopped naming them), so the upload archive taken next holds all of them.
"$PG_DUMP" --format=custom --compress=6 --no-owner --no-privileges --file="$work/database.dump" --dbname="$url"

# 2. The uploads (may be missing on a new installation).
if [ -d "$UPLOAD_DIR" ]; then
  tar --create --gzip --file="$work/uploads.tar.gz" --directory="$UPLOAD_DIR" \
      --exclude='*.tmp' --exclude='*.part' .
else
  tar --create --gzip --file="$work/uploads.tar.gz" --files-from=/dev/null
fi

{
  echo "created_utc=$stamp"
  echo "database=$(printf '%s' "$url" | sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#')"
  echo "upload_dir=$UPLOAD_DIR"
  echo "pg_dump=$("$PG_DUMP" --version)"
} > "$work/MANIFEST"
(cd "$work" && sha256sum database.dump uploads.tar.gz MANIFEST > SHA256SUMS)

mv "$work" "$final"
trap - EXIT

if [ "$KEEP_DAYS" -gt 0 ] 2>/dev/null; then
  find "$ROOT" -mindepth 1 -maxdepth 1 -type d -name 'kopedu-*' -mtime "+$KEEP_DAYS" -exec rm -rf {} +
fi
echo "$final"
