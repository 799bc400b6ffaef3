"""Regions: lookup, scope and the BPS CSV import."""
import csv
from pathlib import Path

from sqlalchemy import func, or_, select

from kopedu.db import insert
from kopedu.extensions import db
from kopedu.regions.models import CODE_LENGTHS, Cooperative, Region, title_case

FILES = (("provinces.csv", "provinsi"), ("regencies.csv", "kabupaten_kota"),
         ("districts.csv", "kecamatan"), ("villages.csv", "kelurahan_desa"))


def resolve_region(value: str | None) -> Region | None:
    """A region from a BPS code ("5371030") or an unambiguous name ("Oebobo")."""
    value = (value or "").strip()
    if not value:
        return None
    code = value.replace(".", "")
    if code.isdigit():
        return db.session.get(Region, code)
    matches = db.session.scalars(
        select(Region).where(func.upper(Region.name) == value.upper()).limit(2)).all()
    return matches[0] if len(matches) == 1 else None


def children(code: str | None) -> list[Region]:
    stmt = select(Region).where(Region.parent_code == code if code else Region.parent_code.is_(None))
    return list(db.session.scalars(stmt.order_by(Region.name)))


PICK_LIMIT = 20  # a cooperative picker offers at most this many; its search box finds the others


def cooperative_picks(region_code: str | None, q: str = "", ids=(), limit: int | None = None) -> list[tuple[int, str]]:
    """(id, "cooperative · village") rows for a picker, inside `region_code` (None: the country): the
    cooperatives among `ids` first, then up to `limit` others whose name or village contains `q`, or
    whose village code starts with it, by name."""
    stmt = (select(Cooperative.id, Cooperative.name, Region.name).join(Region, Region.code == Cooperative.village_code)
            .order_by(Cooperative.name, Cooperative.id))
    if region_code:
        stmt = stmt.where(Cooperative.village_code.between(region_code.ljust(10, "0"), region_code.ljust(10, "9")))
    ids = [int(i) for i in ids if i][:5]
    chosen = list(db.session.execute(stmt.where(Cooperative.id.in_(ids)))) if ids else []
    text, code = q.strip(), q.strip().replace(".", "")  # "53.71.03" is a BPS code; "KSP. Maju" a name
    if code.isdigit():
        stmt = stmt.where(Cooperative.village_code.startswith(code))
    elif text:
        stmt = stmt.where(or_(func.lower(Cooperative.name).contains(text.lower(), autoescape=True),
                              func.lower(Region.name).contains(text.lower(), autoescape=True)))
    if ids:
        stmt = stmt.where(Cooperative.id.not_in(ids))
    rows = chosen + list(db.session.execute(stmt.limit(limit or PICK_LIMIT)))
    return [(row[0], f"{row[1]} · {title_case(row[2])}") for row in rows]


def import_regions(directory: Path, only_province: str | None = None, batch: int = 5000,
                   duplicates: list[str] | None = None) -> dict[str, int]:
    """Load the four BPS CSV files (code, parent code, name; no header) idempotently.

    Rows are upserted: a re-run changes nothing, a renamed region gets its new name. A code that
    appears twice in a file keeps its first row; the repeated rows are appended to `duplicates`
    as "file:line code name". Returns the number of regions per level.
    """
    directory = Path(directory)
    counts: dict[str, int] = {}
    for filename, level in FILES:
        path = directory / filename
        rows, seen = [], set()
        with path.open(newline="", encoding="utf-8") as fh:
            for line_no, record in enumerate(csv.reader(fh), 1):
                if not record:
                    continue
                if level == "provinsi":
                    code, name, parent = record[0].strip(), record[1].strip(), None
                else:
                    code, parent, name = record[0].strip(), record[1].strip(), record[2].strip()
                if CODE_LENGTHS.get(len(code)) != level:
                    raise ValueError(f"{path.name}: kode {code!r} bukan kode {level}")
                if only_province and not code.startswith(only_province):
                    continue
                if code in seen:
                    if duplicates is not None:
                        duplicates.append(f"{path.name}:{line_no} {code} {name}")
                    continue
                seen.add(code)
                rows.append({"code": code, "name": name, "level": level, "parent_code": parent})
        for start in range(0, len(rows), batch):
            db.session.execute(_upsert(rows[start:start + batch]))
        counts[level] = len(rows)
    db.session.flush()
    return counts


def _upsert(rows):
    stmt = insert(Region).values(rows)
    return stmt.on_conflict_do_update(
        index_elements=[Region.code],
        set_={"name": stmt.excluded.name, "level": stmt.excluded.level, "parent_code": stmt.excluded.parent_code},
        where=(Region.name != stmt.excluded.name) | (Region.parent_code.is_distinct_from(stmt.excluded.parent_code)),
    )
