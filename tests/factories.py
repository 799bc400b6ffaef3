"""Small factories for tests: each makes one valid object with sensible defaults and flushes."""
import itertools

from kopedu.auth.models import User
from kopedu.courses.models import Course, Lesson, Module
from kopedu.extensions import db
from kopedu.regions.models import Cooperative, Region

PASSWORD = "rahasia123"
_seq = itertools.count(1)

KUPANG = [
    ("53", "NUSA TENGGARA TIMUR", "provinsi", None),
    ("5371", "KOTA KUPANG", "kabupaten_kota", "53"),
    ("5371010", "ALAK", "kecamatan", "5371"),
    ("5371030", "OEBOBO", "kecamatan", "5371"),
    ("5371020", "MAULAFA", "kecamatan", "5371"),
    ("5371010011", "NAMOSAIN", "kelurahan_desa", "5371010"),
    ("5371030011", "OEBUFU", "kelurahan_desa", "5371030"),
    ("5371030013", "KAYU PUTIH", "kelurahan_desa", "5371030"),
    ("5371020002", "SIKUMANA", "kelurahan_desa", "5371020"),
]


def kupang_regions() -> dict[str, Region]:
    regions = {}
    for code, name, level, parent in KUPANG:
        region = db.session.get(Region, code) or Region(code=code, name=name, level=level, parent_code=parent)
        db.session.add(region)
        regions[code] = region
    db.session.flush()
    return regions


def cooperative(village_code: str = "5371030011", name: str | None = None) -> Cooperative:
    if db.session.get(Region, village_code) is None:
        kupang_regions()
    coop = Cooperative(name=name or f"Koperasi Kelurahan Merah Putih {village_code}-{next(_seq)}",
                       village_code=village_code)
    db.session.add(coop)
    db.session.flush()
    return coop


def user(role: str = "participant", *, phone: str | None = None, email: str | None = None,
         full_name: str | None = None, password: str = PASSWORD, **fields) -> User:
    n = next(_seq)
    u = User(full_name=full_name or f"Pengguna {n}", role=role,
             phone=phone or f"62813{n:08d}", email=email, password_hash="", **fields)
    u.set_password(password)
    db.session.add(u)
    db.session.flush()
    return u


def course(*, lessons: int = 3, modules: int = 1, published: bool = True, **fields) -> Course:
    n = next(_seq)
    c = Course(slug=fields.pop("slug", f"kursus-{n}"), title=fields.pop("title", f"Kursus {n}"),
               published=published, **fields)
    db.session.add(c)
    for m in range(modules):
        module = Module(course=c, slug=f"modul-{m + 1}", title=f"Modul {m + 1}", position=m + 1)
        for i in range(lessons):
            module.lessons.append(Lesson(slug=f"pelajaran-{i + 1}", title=f"Pelajaran {m + 1}.{i + 1}",
                                         position=i + 1, body=f"Isi pelajaran **{m + 1}.{i + 1}**.", minutes=5))
        db.session.add(module)
    db.session.flush()
    return c


# --------------------------------------------------------------------------- assignments and grading

RUBRIC = [
    ("Potensi lokal", [(4, "Jelas dengan data"), (2, "Umum"), (0, "Tidak ada")]),
    ("Rencana keuangan", [(4, "Lengkap dan benar"), (2, "Sebagian"), (0, "Tidak ada")]),
]


def assignment(course=None, *, title: str = "Tugas rencana bisnis", rubric=RUBRIC, pass_mark: int = 70,
               submit_text: bool = True, submit_files: bool = True, due_days: int | None = None,
               required: bool = True, published: bool = True):
    """An assignment lesson (with its Assignment and rubric) at the end of the course's first module."""
    from kopedu.courses.models import Assignment, RubricCriterion

    course = course or globals()["course"]()
    module = course.modules[0]
    n = next(_seq)
    lesson = Lesson(slug=f"tugas-{n}", title=title, kind="assignment", body="Kerjakan **rencana bisnis**.",
                    position=len(module.lessons) + 1, required=required, published=published)
    module.lessons.append(lesson)
    a = Assignment(lesson=lesson, pass_mark=pass_mark, submit_text=submit_text, submit_files=submit_files,
                   due_days=due_days)
    for position, (criterion, levels) in enumerate(rubric):
        a.criteria.append(RubricCriterion(position=position, title=criterion,
                                          levels=[{"points": p, "description": d} for p, d in levels]))
    db.session.add(a)
    db.session.flush()
    return a


def enrollment(user, course, cohort=None, **fields):
    from kopedu.learning.models import Enrollment

    e = Enrollment(user_id=user.id, course_id=course.id, cohort_id=getattr(cohort, "id", None), **fields)
    db.session.add(e)
    db.session.flush()
    return e


def cohort(course, name: str | None = None):
    from kopedu.cohorts.models import Cohort

    n = next(_seq)
    c = Cohort(course_id=course.id, code=f"ANGK-{n}", name=name or f"Angkatan {n}")
    db.session.add(c)
    db.session.flush()
    return c


def trainer_of(course, **fields) -> User:
    t = user("trainer", **fields)
    course.trainers.append(t)
    db.session.flush()
    return t
