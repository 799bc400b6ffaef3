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


# --------------------------------------------------------------------------- learning


def enrollment(user_obj, course_obj, cohort=None, **fields):
    from kopedu.learning.models import Enrollment

    if cohort is not None:
        fields["cohort_id"] = cohort.id
    e = Enrollment(user_id=user_obj.id, course_id=course_obj.id, **fields)
    db.session.add(e)
    db.session.flush()
    return e


def quiz(course_obj, *, role: str = "lesson", lesson=None, pass_mark: int = 70, attempts_allowed: int = 0,
         shuffle: bool = False, show_answers: str = "after_pass", time_limit_minutes: int | None = None,
         title: str | None = None, **fields):
    """A quiz with one question of each kind: single, multiple, true/false and short answer."""
    from kopedu.courses.models import Choice, Question, Quiz

    q = Quiz(course=course_obj, lesson=lesson, role=role, title=title or f"Kuis {next(_seq)}", pass_mark=pass_mark,
             attempts_allowed=attempts_allowed, shuffle=shuffle, show_answers=show_answers,
             time_limit_minutes=time_limit_minutes, **fields)
    q.questions = [
        Question(position=0, kind="single", text="Organ tertinggi koperasi adalah ...", choices=[
            Choice(position=0, text="Rapat Anggota", weight=100, feedback="Benar."),
            Choice(position=1, text="Pengurus", weight=0), Choice(position=2, text="Lurah", weight=0)]),
        Question(position=1, kind="multiple", text="Pilih DUA jenis simpanan wajib.", choices=[
            Choice(position=0, text="Simpanan pokok", weight=50), Choice(position=1, text="Simpanan wajib", weight=50),
            Choice(position=2, text="Simpanan sukarela", weight=-50), Choice(position=3, text="Deposito", weight=-50)]),
        Question(position=2, kind="truefalse", text="Satu anggota satu suara.", choices=[
            Choice(position=0, text="Benar", weight=100), Choice(position=1, text="Salah", weight=0)]),
        Question(position=3, kind="short", text="Sisa Hasil Usaha disingkat ...", answers=["SHU", "S.H.U."]),
    ]
    db.session.add(q)
    db.session.flush()
    return q


def quiz_lesson(module, *, position: int = 99, **quiz_fields):
    """A lesson of kind quiz at the end of `module`, with its quiz."""
    from kopedu.courses.models import Lesson

    lesson = Lesson(module=module, slug=f"kuis-{next(_seq)}", title="Kuis modul", kind="quiz", position=position,
                    body="Jawab semua soal.")
    db.session.add(lesson)
    db.session.flush()
    quiz(module.course, lesson=lesson, **quiz_fields)
    return lesson


def answer_form(quiz_obj, correct: bool = True) -> dict[str, list[str]]:
    """Form fields answering every question of `quiz_obj` all right (or all wrong)."""
    form = {}
    for question in quiz_obj.questions:
        if question.kind == "short":
            form[f"q{question.id}"] = [question.answers[0] if correct else "tidak tahu"]
        elif question.kind == "numerical":
            right = next(c for c in question.choices if c.weight == 100)
            form[f"q{question.id}"] = [right.text if correct else "1"]
        elif question.kind == "matching":
            options = question.match_options
            by_match = {o.match: o for o in options}
            pairs = []
            for left in question.match_items:
                wrong = next(o for o in options if o.match != left.match)
                pairs.append(f"{left.id}:{(by_match[left.match] if correct else wrong).id}")
            form[f"q{question.id}"] = pairs
        else:
            chosen = [c for c in question.choices if (c.weight > 0) == correct]
            if question.kind != "multiple":
                chosen = chosen[:1]
            form[f"q{question.id}"] = [str(c.id) for c in chosen]
    return form


# --------------------------------------------------------------------------- cohorts, certificates


def cohort(course=None, *, trainers=(), region_code: str | None = "5371", **fields):
    """A cohort (angkatan) of `course` (a new one by default) run by `trainers`."""
    from datetime import date

    from kopedu.cohorts.models import Cohort

    if region_code and db.session.get(Region, region_code) is None:
        kupang_regions()
    n = next(_seq)
    c = Cohort(course=course or globals()["course"](), code=fields.pop("code", f"ANGK-{n}"),
               name=fields.pop("name", f"Angkatan {n}"), venue=fields.pop("venue", "Aula SMK Negeri 3 Kupang"),
               starts_on=fields.pop("starts_on", date(2026, 11, 11)), ends_on=fields.pop("ends_on", date(2026, 11, 15)),
               region_code=region_code, **fields)
    c.trainers = list(trainers)
    db.session.add(c)
    db.session.flush()
    return c


def quiz_attempt(user, quiz, *, score: float, number: int = 1, submitted: bool = True):
    from kopedu.db import utcnow
    from kopedu.learning.models import QuizAttempt

    a = QuizAttempt(quiz_id=quiz.id, user_id=user.id, number=number, score=score if submitted else None,
                    passed=(score >= quiz.pass_mark) if submitted else None,
                    submitted_at=utcnow() if submitted else None)
    db.session.add(a)
    db.session.flush()
    return a


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


def cohort_session(cohort, *, held_on=None, starts_at=None, ends_at=None, topic: str | None = None, code=None):
    """One in-person session of the cohort (local date and times)."""
    from datetime import date, time

    from kopedu.cohorts.models import CohortSession

    n = next(_seq)
    s = CohortSession(cohort=cohort, held_on=held_on or date(2026, 11, 18), starts_at=starts_at or time(8, 0),
                      ends_at=ends_at or time(12, 0), topic=topic or f"Sesi {n}",
                      checkin_code=code or f"{(n * 7919) % 1_000_000:06d}")
    db.session.add(s)
    db.session.flush()
    return s


def participant_in(cohort, village_code: str = "5371030011", **fields):
    """A participant of a cooperative in `village_code`, enrolled in the cohort (and its course)."""
    from kopedu.learning.models import Enrollment

    coop = fields.pop("cooperative", None) or cooperative(village_code)
    u = user("participant", cooperative_id=coop.id, **fields)
    e = Enrollment(user_id=u.id, course_id=cohort.course_id, cohort_id=cohort.id)
    db.session.add(e)
    db.session.flush()
    return u, e


def trainer_of(course, **fields) -> User:
    t = user("trainer", **fields)
    course.trainers.append(t)
    db.session.flush()
    return t
