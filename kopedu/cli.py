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
                        ("081100000002", "pelatih / trainer"), ("081100000003", "pemantau Oebobo / observer")):
        click.echo(f"  {phone}  {role}")


def register(app) -> None:
    app.cli.add_command(kopedu_cli)
