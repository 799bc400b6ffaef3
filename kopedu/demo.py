"""Demo data for Kota Kupang: regions, one cooperative per kelurahan, accounts and courses."""
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from kopedu.auth.models import User
from kopedu.courses.importer import import_course
from kopedu.courses.models import Course
from kopedu.demo_bimtek import seed_bimtek
from kopedu.extensions import db
from kopedu.regions.models import Cooperative, Region
from kopedu.regions.services import import_regions

BUNDLED_REGIONS = Path(__file__).parent / "regions" / "data"
KOTA_KUPANG = "5371"
DEMO_PASSWORD = "demo12345"

STAFF = [
    ("081100000001", "Yohanes Bria", "admin", None, "Dinas Koperasi dan UKM Kota Kupang", None),
    ("081100000002", "Maria Goreti Seran", "trainer", None, "Narasumber Bimtek Koperasi", KOTA_KUPANG),
    ("081100000003", "Paulus Nenobais", "observer", None, "Kantor Camat Oebobo", "5371030"),
    ("081100000004", "Agustinus Lay", "trainer", None, "Pendamping Koperasi", KOTA_KUPANG),
]

# (kelurahan code, participants as (name, position)); 8 cooperatives in 6 kecamatan.
PARTICIPANTS = [
    ("5371030011", [("Yuliana Ndun", "Ketua"), ("Stefanus Tefa", "Bendahara"), ("Imelda Pah", "Pengawas")]),
    ("5371030013", [("Daniel Manafe", "Ketua"), ("Rosalina Bana", "Sekretaris"), ("Yakobus Nalle", "Pengawas")]),
    ("5371020002", [("Fransiska Kase", "Ketua"), ("Markus Selan", "Bendahara"), ("Novita Lulu", "Manajer")]),
    ("5371020009", [("Ester Dethan", "Ketua"), ("Kornelis Tanu", "Sekretaris"), ("Ruth Benu", "Bendahara")]),
    ("5371040012", [("Hendrik Rihi", "Ketua"), ("Sarlota Lado", "Bendahara"), ("Simon Mooy", "Pengawas")]),
    ("5371010011", [("Abdul Rahman Laiskodat", "Ketua"), ("Siti Aisyah Bethan", "Sekretaris"), ("Umar Doko", "Bendahara")]),
    ("5371031008", [("Melkianus Adoe", "Ketua"), ("Theresia Kolo", "Bendahara"), ("Yosef Lango", "Pengawas")]),
    ("5371041007", [("Arnoldus Pello", "Ketua"), ("Margaretha Dima", "Sekretaris"), ("Natalia Riwu", "Manajer")]),
]


def seed_demo(content_dir: Path | None = None) -> dict[str, int]:
    """Load the demo data; running it again changes nothing. Flushes; the caller commits."""
    if current_app.config.get("ENV_NAME") == "production" or current_app.config.get("SESSION_COOKIE_SECURE"):
        raise RuntimeError("seed-demo refuses to run with the production configuration")
    import_regions(BUNDLED_REGIONS)

    villages = db.session.scalars(
        select(Region).where(Region.level == "kelurahan_desa", Region.code.startswith(KOTA_KUPANG))
        .order_by(Region.code)).all()
    existing = {c.village_code: c for c in db.session.scalars(
        select(Cooperative).where(Cooperative.village_code.startswith(KOTA_KUPANG)))}
    for village in villages:
        if village.code not in existing:
            existing[village.code] = Cooperative(name=Cooperative.default_name(village), village_code=village.code)
            db.session.add(existing[village.code])
    db.session.flush()

    users = 0
    for phone, name, role, position, organisation, region in STAFF:
        users += _ensure_user(phone, name, role, position=position, organisation=organisation, region_code=region)
    number = 0
    for village_code, people in PARTICIPANTS:
        for name, position in people:
            number += 1
            users += _ensure_user(f"0812{number:08d}", name, "participant", position=position,
                                  cooperative_id=existing[village_code].id)
    db.session.flush()

    content_dir = Path(content_dir or current_app.config["CONTENT_DIR"])
    courses = 0
    trainers = db.session.scalars(select(User).where(User.role == "trainer", User.phone.in_(
        ["6281100000002", "6281100000004"]))).all()
    for folder in sorted(p for p in content_dir.iterdir() if (p / "course.md").is_file()):
        course = import_course(folder).course
        for trainer in trainers:
            if trainer not in course.trainers:
                course.trainers.append(trainer)
        courses += 1
    db.session.flush()
    seed_bimtek()  # the running Bimtek: cohort, sessions, every stage (kopedu/demo_bimtek.py)
    _enrol_participants()
    from kopedu.plans.demo import seed_plans  # the workbook and Kawal sama-sama (kopedu/plans/demo.py)

    seed_plans()
    return {"cooperatives": len(existing), "new_users": users, "courses": courses}


def _ensure_user(phone: str, name: str, role: str, **fields) -> int:
    from kopedu.auth.services import normalize_phone

    normalized = normalize_phone(phone)
    if db.session.scalar(select(User.id).where(User.phone == normalized)) is not None:
        return 0
    user = User(full_name=name, phone=normalized, role=role, password_hash=_demo_hash(), **fields)
    db.session.add(user)
    return 1


def _demo_hash() -> str:
    """One hash of the demo password for all demo accounts of this run (each is ~0.15 s of CPU)."""
    cache = current_app.extensions.setdefault("kopedu_demo_hash", {})
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in cache:
        from kopedu.auth.models import hash_password

        cache[method] = hash_password(DEMO_PASSWORD)
    return cache[method]


def _enrol_participants() -> None:
    """Every demo participant is enrolled in every demo course."""
    from kopedu.learning.models import Enrollment

    participants = db.session.scalars(select(User).where(User.role == "participant",
                                                         User.phone.like("628120%"))).all()
    courses = db.session.scalars(select(Course).where(Course.published.is_(True))).all()
    have = set(db.session.execute(select(Enrollment.user_id, Enrollment.course_id)).all())
    for user in participants:
        for course in courses:
            if (user.id, course.id) not in have:
                db.session.add(Enrollment(user_id=user.id, course_id=course.id))
    db.session.flush()
