"""A running Bimtek in Kota Kupang for the demo (called by kopedu.demo.seed_demo).

Cohort KPG-BIMTEK-1 of the bundled course, trained by both demo trainers, with three sessions: one a
week ago whose attendance was taken and closed, one today (open all day, so its check-in works whenever
the demo runs), one next week. Its participants stand at every stage of the course (STAGES), the
course has a certificate rule, four participants answered the evaluation, and an import of three more
participants waits for confirmation. Everything is made through the services of each feature, as the
app would make it. Built once: when the cohort exists, nothing is done.

Participants the demo of other features uses are left at "not started" here (OTHERS): 081200000001 and
081200000007 (the security tests' world builds their work) and the business-plan workbook's.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from kopedu.auth.models import User
from kopedu.courses.models import Course, Lesson, Module, Quiz
from kopedu.db import local_zone, utcnow
from kopedu.extensions import db

COHORT_CODE = "KPG-BIMTEK-1"
COURSE_SLUG = "penguatan-kapasitas-pengurus-kmp"
ADMIN, TRAINER, TRAINER_2, OBSERVER = "6281100000001", "6281100000002", "6281100000004", "6281100000003"

# (stage, phone, what the login shows), in the order of the course
STAGES = [
    ("not_started", "6281200000001", "belum mulai: kursus dari awal, sesi hari ini untuk presensi mandiri"),
    ("mid_course", "6281200000002", "setengah jalan: pre-test dan modul 1–3 selesai"),
    ("posttest_done", "6281200000003", "semua materi dan post-test selesai, tugas belum dikirim"),
    ("submitted", "6281200000005", "tugas terkirim, menunggu penilaian pelatih"),
    ("revision", "6281200000006", "tugas dikembalikan: perlu revisi, dengan umpan balik"),
    ("passed", "6281200000015", "lulus semua syarat kecuali kehadiran (tidak hadir di sesi 1): belum bersertifikat"),
    ("certificate", "6281200000016", "sertifikat terbit (PDF bertanda tangan, kode verifikasi), evaluasi diisi"),
    ("certificate", "6281200000020", "sertifikat terbit, evaluasi diisi"),
    ("revoked", "6281200000022", "sertifikat dicabut oleh admin (alasan tercatat)"),
]
# The business-plan workbook's demo (kopedu.plans.demo): its three stages, for the list of logins
WORKBOOK_LOGINS = {
    "081200000019": "rencana bisnis (modul 6) baru setengah terisi",
    "081200000013": "rencana bisnis terkirim, menunggu penilaian pelatih",
    "081200000004": "rencana bisnis lulus: laporan bulanan koperasi (Kawal), dua laporan, tanda peringatan",
}
EVALUATED = ["6281200000015", "6281200000016", "6281200000020", "6281200000022"]
ABSENT_S1 = {"6281200000015": "absent", "6281200000012": "excused", "6281200000021": "absent"}
LATE_S1 = {"6281200000014"}
PRESENT_TODAY = ["6281200000002", "6281200000003", "6281200000005", "6281200000006", "6281200000016",
                 "6281200000020"]
IMPORT_CSV = ("nama,hp,email,jabatan,kelurahan,koperasi\n"
              "Yustina Taneo,0813-3900-1001,,Ketua,5371010011,\n"
              "Alfons Sabu,0813-3900-1002,,Bendahara,5371010011,\n"
              "Yuliana Ndun Tefa,081200000001,,Ketua,5371030011,\n"
              "Tanpa Nomor,12345,,Pengawas,5371010011,\n")
ANSWERS = [  # materi, per trainer, penyelenggaraan: (rating, comment)
    ((5, "Contoh rencana bisnisnya dekat dengan koperasi kami."), (5, "Menjelaskan dengan sabar."),
     (4, "Ruangan panas siang hari.")),
    ((4, "Modul keuangan perlu lebih banyak latihan."), (5, ""), (4, "")),
    ((4, ""), (4, "Contoh dari Kupang sangat membantu."), (3, "Jadwal mulai terlambat 30 menit.")),
    ((5, "Materi tata kelola sangat berguna."), (4, ""), (5, "Konsumsi dan tempat baik.")),
]


@dataclass
class Bimtek:
    cohort: object
    sessions: list


def seed_bimtek() -> Bimtek | None:
    """Build the demo Bimtek once; flushes, the caller commits. None without the bundled course."""
    from kopedu.certificates import services as certificates
    from kopedu.cohorts import importer
    from kopedu.cohorts import services as cohorts
    from kopedu.cohorts.models import Cohort
    from kopedu.evaluations import services as evaluations

    course = db.session.scalar(select(Course).where(Course.slug == COURSE_SLUG))
    if course is None or db.session.scalar(select(Cohort.id).where(Cohort.code == COHORT_CODE)) is not None:
        return None
    people = {u.phone: u for u in db.session.scalars(select(User).where(User.phone.like("628%")))}
    admin, trainer, trainer_2 = people[ADMIN], people[TRAINER], people[TRAINER_2]
    today = datetime.now(local_zone()).date()

    cohort = cohorts.save_cohort(
        None, course_id=course.id, code=COHORT_CODE, name="Bimtek Pengurus KDKMP Kota Kupang Angkatan 1",
        starts_on=today - timedelta(days=7), ends_on=today + timedelta(days=7),
        venue="Aula Dinas Koperasi dan UKM Kota Kupang, Jl. Palapa No. 7", region_code="5371",
        trainer_ids=[trainer.id, trainer_2.id], actor=admin)
    sessions = [
        cohorts.save_session(cohort, None, held_on=today - timedelta(days=7), starts_at=time(9), ends_at=time(15),
                             place="Aula Dinas Koperasi", topic="Dasar perkoperasian dan tata kelola"),
        # open all day so that self check-in works whenever the demo is shown
        cohorts.save_session(cohort, None, held_on=today, starts_at=time(0), ends_at=time(23, 59),
                             place="Aula Dinas Koperasi", topic="Pengelolaan keuangan dan gerai"),
        cohorts.save_session(cohort, None, held_on=today + timedelta(days=7), starts_at=time(9), ends_at=time(15),
                             place="Aula Dinas Koperasi", topic="Rencana bisnis dan rencana aksi"),
    ]
    participants = sorted((u for u in people.values() if u.phone.startswith("62812")), key=lambda u: u.phone)
    enrollments = {u.phone: cohorts.enroll_in_cohort(cohort, u) for u in participants}

    # The rule is set before anyone learns; automatic issuing is switched on once the work is in (the
    # rule is checked on every lesson otherwise: the seed would take seconds longer, the data is the same).
    rule = dict(require_lessons=True, require_quizzes=True, min_posttest_score=70, require_assignments=True,
                min_attendance_pct=30)  # present at 1 of the 3 sessions so far; the "passed" one was absent
    certificates.save_rules(course, auto_issue=False, **rule)

    walker = _Walker(course)
    for stage, phone, _shows in STAGES:
        walker.bring(people[phone], enrollments[phone], stage, trainer)
    certificates.save_rules(course, auto_issue=True, **rule)

    # session 1: attendance taken a week ago and closed (the closing issues the certificates)
    first = sessions[0]
    for phone, enrollment in enrollments.items():
        status = ABSENT_S1.get(phone) or ("late" if phone in LATE_S1 else "present")
        cohorts.set_attendance(first, enrollment, status, actor=trainer)
    cohorts.close_attendance(first, actor=trainer, now=utcnow() - timedelta(days=7) + timedelta(hours=6))
    # today: some are in already
    for phone in PRESENT_TODAY:
        cohorts.set_attendance(sessions[1], enrollments[phone], "present", actor=trainer)

    revoked = certificates.live_certificate(enrollments[next(p for s, p, _ in STAGES if s == "revoked")].id)
    if revoked is not None:
        certificates.revoke(revoked, admin, "Tanda tangan di daftar hadir sesi 1 ternyata diwakilkan; "
                                            "diperiksa ulang oleh Dinas.")

    trainer_ids = [str(t.id) for t in cohort.trainers]
    for phone, (materi, narasumber, penyelenggaraan) in zip(EVALUATED, ANSWERS):
        evaluations.submit(enrollments[phone], cohort, {
            "materi": {"rating": materi[0], "comment": materi[1]},
            "penyelenggaraan": {"rating": penyelenggaraan[0], "comment": penyelenggaraan[1]},
            "trainers": {tid: {"rating": narasumber[0], "comment": narasumber[1]} for tid in trainer_ids}})

    importer.store_upload(cohort, IMPORT_CSV.encode(), "peserta-tambahan-alak.csv", admin)
    db.session.flush()
    return Bimtek(cohort=cohort, sessions=sessions)


class _Walker:
    """Takes a participant through the course with the learning and grading services."""

    def __init__(self, course: Course):
        self.course = course
        self.lessons = list(db.session.scalars(
            select(Lesson).join(Module).where(Module.course_id == course.id, Lesson.published.is_(True))
            .order_by(Module.position, Lesson.position)))
        self.quizzes = {q.lesson_id: q for q in course.quizzes if q.lesson_id}
        self.pretest = next((q for q in course.quizzes if q.role == "pretest"), None)
        self.posttest = next((q for q in course.quizzes if q.role == "posttest"), None)

    def bring(self, user, enrollment, stage: str, trainer) -> None:
        from kopedu.grading import services as grading

        from kopedu.learning import services as learning

        if stage == "not_started":
            return
        state = learning.course_state(self.course, user, enrollment)  # kept up to date by the services
        if self.pretest is not None:
            self._quiz(state, self.pretest, score_all=False)
        modules = {lesson.module_id for lesson in self.lessons}
        half = sorted(modules)[: len(modules) // 2]
        assignment_lesson = None
        for lesson in self.lessons:
            if stage == "mid_course" and lesson.module_id not in half:
                break
            if lesson.kind == "assignment":
                assignment_lesson = lesson
                continue
            if lesson.kind == "quiz" and lesson.id in self.quizzes:
                self._quiz(state, self.quizzes[lesson.id])
            else:
                learning.mark_lesson_done(state, lesson)
        if stage == "mid_course":
            return
        if stage != "posttest_done" and assignment_lesson is not None:
            assignment = grading.assignment_for_lesson(assignment_lesson.id)
            if getattr(assignment, "kind", None) == "business_plan":  # the workbook (kopedu.plans)
                submission, version = _send_workbook(assignment, enrollment, user)
            else:
                version = grading.submit(assignment, enrollment, text=PLAN_TEXT, files=[],
                                         upload_dir=current_app.config["UPLOAD_DIR"])
                submission = version.submission
            if stage == "revision":
                grading.grade(submission, trainer, version_number=version.number, outcome="perlu_revisi",
                              levels=_levels(assignment, best=False),
                              feedback="Rencana keuangan belum ada angka modal awal dan titik impas. "
                                       "Tambahkan, lalu kirim lagi.")
            elif stage in ("passed", "certificate", "revoked"):
                grading.grade(submission, trainer, version_number=version.number, outcome="lulus",
                              levels=_levels(assignment, best=True), feedback="Rencana jelas dan realistis.")
        if self.posttest is not None:
            self._quiz(learning.course_state(self.course, user, enrollment), self.posttest)

    def _quiz(self, state, quiz: Quiz, score_all: bool = True) -> None:
        from kopedu.learning import services as learning

        attempt = learning.start_attempt(state, quiz)
        questions = list(quiz.questions)
        form = {}
        for n, question in enumerate(questions):
            right = right_answer(question)
            if right and (score_all or n % 2 == 0):
                form[question.id] = right
        learning.submit_attempt(attempt, form, course_state_=state)


PLAN_TEXT = ("Rencana bisnis: gerai sembako koperasi untuk 150 keluarga anggota, modal awal Rp 15.000.000 dari "
             "simpanan anggota, buka bulan Januari, dicatat di buku kas harian.")


def _send_workbook(assignment, enrollment, user):
    """A complete business-plan workbook sent to the trainer (the workbook demo's answers)."""
    import copy

    from kopedu.plans import services as plans
    from kopedu.plans.demo import COMPLETE

    plan = plans.start(assignment, enrollment, user)
    plan.data = copy.deepcopy(COMPLETE)
    plan.data["profil"]["nama_usaha"] = f"Gerai koperasi {user.full_name.split()[0]}"
    db.session.flush()
    plans.submit(plan, enrollment)
    submission = plans.submission_of(plan)
    return submission, submission.latest_version


def right_answer(question) -> list[str]:
    """What a participant who knows the answer sends, as the quiz form posts it."""
    if question.kind == "short":
        return [question.answers[0]] if question.answers else []
    choices = list(question.choices)
    if not choices:
        return []
    if question.kind == "numerical":
        best = max(choices, key=lambda c: c.weight)
        return [] if best.text.strip() == "*" else [best.text.strip().replace(".", ",")]
    if question.kind == "matching":
        options = {c.match: c.id for c in reversed(question.match_options)}
        return [f"{left.id}:{options[left.match]}" for left in question.match_items]
    if question.kind == "multiple":
        return [str(c.id) for c in choices if c.weight > 0]
    return [str(max(choices, key=lambda c: c.weight).id)]


def _levels(assignment, best: bool) -> dict[int, int]:
    pick = max if best else min
    return {c.id: pick(int(level["points"]) for level in c.levels) for c in assignment.criteria}


# --------------------------------------------------------------------------- the logins `make run` prints

def demo_logins() -> list[tuple[str, list[tuple[str, str, str]]]]:
    """Every demo login grouped by role: (role heading, [(phone as typed, name, what it shows)])."""
    from kopedu.demo import PARTICIPANTS, STAFF

    shows_staff = {
        "081100000001": "admin Dinas: semua angkatan, aturan sertifikat, terbitkan/cabut, impor menunggu konfirmasi",
        "081100000002": f"pelatih {COHORT_CODE}: presensi hari ini (kode berganti), daftar hadir PDF, "
                        "tugas menunggu dinilai, hasil evaluasi",
        "081100000004": f"pelatih kedua {COHORT_CODE}: dinilai di evaluasi narasumber",
        "081100000003": "pemantau Kecamatan Oebobo: kemajuan, peserta tertinggal (WhatsApp), laporan",
    }
    shows_participant = {"0" + phone[2:]: shows for _stage, phone, shows in STAGES}
    shows_participant.update(WORKBOOK_LOGINS)
    groups = {"admin": [], "trainer": [], "observer": [], "participant": []}
    for phone, name, role, *_rest in STAFF:
        groups[role].append((phone, name, shows_staff.get(phone, "")))
    number = 0
    for _village, people in PARTICIPANTS:
        for name, _position in people:
            number += 1
            phone = f"0812{number:08d}"
            attendance = {"absent": ", tidak hadir di sesi 1", "excused": ", izin di sesi 1"}.get(
                ABSENT_S1.get("62" + phone[1:], ""), ", terlambat di sesi 1" if "62" + phone[1:] in LATE_S1 else "")
            groups["participant"].append((phone, name, shows_participant.get(
                phone, f"peserta {COHORT_CODE}, belum mulai{attendance}")))
    headings = {"admin": "Admin", "trainer": "Pelatih / trainer", "observer": "Pemantau / observer",
                "participant": "Peserta / participant"}
    return [(headings[role], rows) for role, rows in groups.items()]
