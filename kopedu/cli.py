"""`flask kopedu …` commands."""
import time
from pathlib import Path

import click
from flask.cli import AppGroup

from kopedu.extensions import db

kopedu_cli = AppGroup("kopedu", help="KopEdu administration commands.")


@kopedu_cli.command("import-regions")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--province", help="Only this province code (e.g. 53).")
def import_regions_command(directory: Path, province: str | None):
    """Load BPS regions from DIRECTORY (provinces/regencies/districts/villages.csv)."""
    from kopedu.regions.services import import_regions

    started = time.perf_counter()
    duplicates: list[str] = []
    counts = import_regions(directory, only_province=province, duplicates=duplicates)
    db.session.commit()
    elapsed = time.perf_counter() - started
    summary = ", ".join(f"{level}: {n:,}" for level, n in counts.items())
    click.echo(f"Imported {summary} in {elapsed:.1f} s")
    for line in duplicates:
        click.echo(f"  skipped a repeated code (the first row is kept): {line}")


@kopedu_cli.command("import-course")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--draft", is_flag=True, help="Do not publish the course.")
def import_course_command(path: Path, draft: bool):
    """Create or update a course from its content folder."""
    from kopedu.courses.importer import ContentError, import_course

    try:
        report = import_course(path, publish=not draft)
    except ContentError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"{report.course.title}: {len(report.created)} created, {len(report.updated)} updated, "
               f"{report.unchanged} unchanged")
    for line in report.created:
        click.echo(f"  + {line}")
    for line in report.updated:
        click.echo(f"  ~ {line}")


@kopedu_cli.command("seed-demo")
def seed_demo_command():
    """Load the Kota Kupang demo data (idempotent; refuses in production)."""
    from kopedu.demo import DEMO_PASSWORD, seed_demo

    try:
        counts = seed_demo()
    except RuntimeError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Demo data ready: {counts['cooperatives']} cooperatives, {counts['new_users']} new accounts, "
               f"{counts['courses']} courses.")
    click.echo(f"Demo logins (password {DEMO_PASSWORD}):")
    for phone, role in (("081200000001", "peserta / participant"), ("081100000001", "admin"),
                        ("081100000002", "pelatih / trainer"), ("081100000003", "pemantau Oebobo / observer"),
                        ("081200000019", "peserta: buku kerja setengah jalan / workbook half done"),
                        ("081200000013", "peserta: rencana terkirim / plan submitted"),
                        ("081200000004", "peserta: rencana lulus, laporan bulanan / plan passed, check-ins")):
        click.echo(f"  {phone}  {role}")


@kopedu_cli.command("demo-logins")
def demo_logins_command():
    """Print every demo login, grouped by role, with what each one shows (`make run` calls it)."""
    from kopedu.demo import DEMO_PASSWORD
    from kopedu.demo_bimtek import demo_logins

    click.echo(f"Demo logins, all with password {DEMO_PASSWORD}:")
    for heading, rows in demo_logins():
        click.echo(f"{heading}:")
        for phone, name, shows in rows:
            click.echo(f"  {phone}  {name:<24}  {shows}")


@kopedu_cli.command("seed-scale")
@click.option("--dir", "directory", type=click.Path(exists=True, file_okay=False, path_type=Path),
              envvar="KOPEDU_WILAYAH_DIR",
              help="BPS wilayah folder (provinces/regencies/districts/villages.csv); "
                   "default: ../shared/data/wilayah beside the project.")
@click.option("--participants", default=400_000, show_default=True)
@click.option("--progress-rows", default=8_000_000, show_default=True)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def seed_scale_command(directory: Path | None, participants: int, progress_rows: int, yes: bool):
    """Build the national synthetic dataset for the monitoring benchmark (PostgreSQL, own database)."""
    from flask import current_app

    from kopedu.reports.scale import ScaleError, seed_scale

    if current_app.config.get("SESSION_COOKIE_SECURE"):
        raise click.ClickException("seed-scale refuses to run with the production configuration")
    directory = directory or Path(current_app.root_path).parent.parent / "shared" / "data" / "wilayah"
    if not yes:
        click.confirm(f"Add {participants:,} synthetic participants and {progress_rows:,} progress rows "
                      f"to {db.engine.url.render_as_string(hide_password=True)}?", abort=True)
    try:
        counts = seed_scale(directory, participants=participants, progress_rows=progress_rows)
    except ScaleError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    click.echo(", ".join(f"{name}: {n:,}" for name, n in counts.items()))


@kopedu_cli.command("import-participants")
@click.argument("cohort_code")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Import the good rows (without it, only check the file).")
@click.option("--allow-renames", is_flag=True, help="Also apply name and email changes to existing accounts.")
def import_participants_command(cohort_code: str, path: Path, yes: bool, allow_renames: bool):
    """Check (and with --yes import) a participant list (CSV/XLSX) into the cohort COHORT_CODE."""
    from sqlalchemy import select

    from kopedu.cohorts import importer
    from kopedu.cohorts.models import Cohort

    cohort = db.session.scalar(select(Cohort).where(Cohort.code == cohort_code.strip().upper()))
    if cohort is None:
        raise click.ClickException(f"No cohort with code {cohort_code}")
    try:
        record = importer.store_upload(cohort, path.read_bytes(), path.name, None)
        result = importer.preview(cohort, importer.load_records(record))
    except importer.ImportFileError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    for row in result.bad:
        click.echo(f"  line {row.line}: {' '.join(row.messages)}")
    for row in result.changed:
        changes = "; ".join(f"{name}: {old!r} -> {new!r}" for name, old, new in row.changes)
        click.echo(f"  line {row.line}: update {changes}" + (" (needs --allow-renames)" if row.needs_tick else ""))
    click.echo(f"{len(result.rows)} rows: {result.count('create')} new, {result.count('update')} to update, "
               f"{result.count('unchanged')} unchanged, {len(result.bad)} refused")
    if not yes:
        importer.discard(record)
        db.session.commit()
        click.echo("Nothing imported (add --yes to import the good rows).")
        return
    ticked = [row.line for row in result.changed] if allow_renames else []
    summary = importer.confirm(record, None, ticked)
    db.session.commit()
    click.echo(f"Imported: {summary['created']} created, {summary['updated']} updated, "
               f"{summary['enrolled']} enrolled. Print the password sheet from the import page.")


@kopedu_cli.command("refresh-monitoring")
def refresh_monitoring_command():
    """Rebuild the monitoring facts from the live tables (after bulk SQL; safe to run any time)."""
    from kopedu.reports.facts import rebuild

    started = time.perf_counter()
    count = rebuild()
    db.session.commit()
    click.echo(f"Monitoring facts rebuilt: {count:,} enrolments in {time.perf_counter() - started:.1f} s")


@kopedu_cli.command("close-attendance")
def close_attendance_command():
    """Close the attendance of sessions whose day has ended and that no trainer closed; the completion
    rules are evaluated for their cohorts (run by a timer shortly after midnight)."""
    from kopedu.cohorts.services import close_due_sessions

    count = close_due_sessions()
    db.session.commit()
    click.echo(f"Attendance closed for {count} session(s).")


@kopedu_cli.command("create-user")
@click.option("--name", "full_name", required=True, help="Full name.")
@click.option("--phone", help="Mobile number (0812-…); a phone or an email is needed to log in.")
@click.option("--email")
@click.option("--role", type=click.Choice(["admin", "trainer", "observer"]), default="admin", show_default=True)
@click.option("--region", help="BPS code of the region (e.g. 5371 for Kota Kupang). An admin without one is national.")
@click.option("--organisation", help="e.g. Dinas Koperasi Kota Kupang.")
@click.password_option(help="The first password (asked for when not given).")
def create_user_command(full_name: str, phone: str | None, email: str | None, role: str, region: str | None,
                        organisation: str | None, password: str):
    """Create a staff account: a national or region admin, a trainer or an observer."""
    from kopedu.auth.services import AccountError, save_user
    from kopedu.regions.services import resolve_region

    found = resolve_region(region) if region else None
    if region and found is None:
        raise click.ClickException(f"unknown region {region!r}: give its BPS code")
    try:
        user = save_user(None, full_name=full_name, phone=phone, email=email, role=role,
                         region_code=found.code if found else None, organisation=organisation, password=password)
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    scope = f"{found.code} {found.display_name}" if found else "national"
    click.echo(f"Created {role} {user.full_name} (id {user.id}), region: {scope}")


@kopedu_cli.command("prune-client-writes")
def prune_client_writes_command():
    """Delete the records of writes queued on phones that were applied longer ago than
    KOPEDU_CLIENT_WRITE_DAYS (30) days (run by the nightly timer)."""
    from kopedu.learning.sync import prune, retention

    count = prune()
    db.session.commit()
    click.echo(f"Client writes pruned: {count} older than {retention().days} days.")


@kopedu_cli.command("purge-uploads")
def purge_uploads_command():
    """Remove resumable uploads nobody claimed for three days: their chunks, or their stored file (run
    nightly)."""
    from flask import current_app

    import kopedu.grading.services  # noqa: F401 - registers what uploads are for
    import kopedu.plans.checkins  # noqa: F401
    from kopedu.resumable.services import purge

    count = purge(current_app.config["UPLOAD_DIR"])
    db.session.commit()
    click.echo(f"Unclaimed uploads removed: {count}.")


def register(app) -> None:
    app.cli.add_command(kopedu_cli)


@kopedu_cli.command("storage-migrate")
@click.option("--from", "source", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="The local upload folder to copy (default: UPLOAD_DIR).")
@click.option("--to", "target", help="s3://BUCKET/PREFIX (default: KOPEDU_STORAGE).")
@click.option("--dry-run", is_flag=True, help="Only say what would be copied.")
@click.option("--verify-content", is_flag=True, help="Read every object back and compare its sha256.")
def storage_migrate_command(source: Path | None, target: str | None, dry_run: bool, verify_content: bool):
    """Copy the local file store into the S3-compatible store and verify every file (size and checksum).
    Run it again until it copies nothing; files already there are left alone."""
    from flask import current_app

    from kopedu.storage import make_store
    from kopedu.storage_migrate import migrate
    from kopedu.store_backends import LocalStore

    config = dict(current_app.config)
    if target:
        config["STORAGE"] = target
    destination = make_store(config)
    if destination.kind != "s3":
        raise click.ClickException("Name the bucket: --to s3://BUCKET/PREFIX or KOPEDU_STORAGE=s3://BUCKET/PREFIX.")
    origin = LocalStore(source or current_app.config["UPLOAD_DIR"])
    started = time.perf_counter()
    report = migrate(origin, destination, dry_run=dry_run, verify_content=verify_content)
    for line in report.lines():
        click.echo(line)
    click.echo(f"{'Dry run' if dry_run else 'Done'} in {time.perf_counter() - started:.1f} s")
    if not report.ok:
        raise SystemExit(1)
