"""Certificates: completion rules, issuing exactly once, the stored PDF, verification, revocation and
regeneration. Services flush, never commit; they take plain values and model objects, never the request."""
from __future__ import annotations

import hashlib
import io
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from babel.dates import format_date
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, case, event, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload, lazyload

from kopedu import storage
from kopedu.auth.models import User
from kopedu.certificates import codes, rendering, signing
from kopedu.certificates.models import (
    DEFAULT_SERIAL_FORMAT, Certificate, CertificateCounter, CertificateJob, CertificateTemplate,
    CertificateVersion, CompletionRule)
from kopedu.cohorts.models import Cohort
from kopedu.cohorts.services import attendance_pct
from kopedu.courses.models import Course, Lesson, Module, Quiz
from kopedu.db import insert, local_date, utcnow
from kopedu.extensions import db
from kopedu.grading.services import assignments_passed
from kopedu.learning.models import Enrollment, LessonProgress, QuizAttempt
from kopedu.regions.models import title_case
from kopedu.web import uploads
from kopedu.web.access import sees_enrollment, visible_cohorts, visible_enrollments
from kopedu.web.filters import date_long

log = logging.getLogger(__name__)

MAX_REASON = 500
MAX_IMAGE_BYTES = 1024 * 1024
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
NO_COHORT = "MANDIRI"  # {cohort} in the serial of a participant who learnt on their own
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_SERIAL_FIELDS = {"seq", "year", "month", "roman_month", "cohort", "course"}

DEFAULT_TEMPLATE = {
    "title": "SERTIFIKAT",
    "header_lines": "PEMERINTAH KOTA KUPANG\nDINAS KOPERASI DAN USAHA KECIL MENENGAH",
    "recipient_line": "diberikan kepada",
    "achievement_line": "yang telah mengikuti dan menyelesaikan Bimbingan Teknis (Bimtek)",
    "closing_line": "",
    "issuer_name": "Dinas Koperasi dan UKM Kota Kupang",
    "issue_place": "Kupang",
    "serial_format": DEFAULT_SERIAL_FORMAT,
    "primary_colour": "#8c1d17",
    "accent_colour": "#b38b2d",
    "logo_path": None,
    "signatories": [{"name": "Kepala Dinas", "title": "Kepala Dinas Koperasi dan UKM Kota Kupang",
                     "nip": "", "signature_path": None}],
    "address": "",
    "approver_title": "Kepala Dinas Koperasi dan UKM Kota Kupang",
    "approver_name": "",
    "approver_nip": "",
}


class CertificateError(Exception):
    """A request the rules refuse; the message is for the person (Indonesian, through gettext)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --------------------------------------------------------------------------------------------- template

def template_settings(region_code: str | None = None) -> CertificateTemplate:
    """The template to edit: the national one (region_code None; the row, or an unsaved one holding the
    defaults) or the one of a region (its row, or an unsaved copy of the national one for that region)."""
    national = db.session.get(CertificateTemplate, 1)
    if national is None:
        national = CertificateTemplate(id=1, **DEFAULT_TEMPLATE)
    if not region_code:
        return national
    row = db.session.scalar(select(CertificateTemplate).where(CertificateTemplate.region_code == region_code))
    if row is None:
        # id 1 is the national template's (saved or not yet): a region's row takes an id after every other
        next_id = max(db.session.scalar(select(func.max(CertificateTemplate.id))) or 0, 1) + 1
        row = CertificateTemplate(id=next_id, region_code=region_code, **{
            name: getattr(national, name) for name in (*DEFAULT_TEMPLATE, "logo_path")})
        row.signatories = [dict(p) for p in (national.signatories or [])]
    return row


def _prefixes(code: str | None) -> list[str]:
    """The region codes that contain `code` (itself included), as BPS codes nest: 5371030011 →
    5371030011, 5371030, 5371, 53."""
    code = code or ""
    return [code[:n] for n in (10, 7, 4, 2) if len(code) >= n]


def template_for(region_code: str | None) -> CertificateTemplate:
    """The template a certificate issued in `region_code` uses: that of the most specific region containing
    it that has one, else the national one (one query)."""
    prefixes = _prefixes(region_code)
    if prefixes:
        row = db.session.scalar(select(CertificateTemplate).where(CertificateTemplate.region_code.in_(prefixes))
                                .order_by(func.length(CertificateTemplate.region_code).desc()).limit(1))
        if row is not None:
            return row
    return template_settings()


def issuing_region(enrollment) -> str | None:
    """Which Dinas issues an enrolment's certificate: the region of its cohort (the Dinas running the
    Bimtek), else the village of the participant's cooperative, else the participant's own region."""
    cohort = enrollment.cohort
    if cohort is not None and cohort.region_code:
        return cohort.region_code
    user = enrollment.user
    if user.cooperative is not None:
        return user.cooperative.village_code
    return user.region_code


def regional_templates() -> list[CertificateTemplate]:
    """The regions' own templates, by region code (a short list: one per Dinas that made one)."""
    return list(db.session.scalars(select(CertificateTemplate).where(CertificateTemplate.region_code.is_not(None))
                                   .order_by(CertificateTemplate.region_code)))


_SEQ_SPEC = re.compile(r"0?[1-9]?\d?d?")  # {seq}, {seq:4d}, {seq:04d}: a width up to 99 at most


def check_serial_format(fmt: str) -> str:
    """Raise CertificateError unless `fmt` makes serials that are unique and well-formed: only the
    documented fields, as plain names ({seq} may have a width such as {seq:04d}); no attributes,
    indexes, conversions or other format specifications."""
    import string

    fmt = (fmt or "").strip()
    try:
        parts = list(string.Formatter().parse(fmt))
    except ValueError:
        raise CertificateError(_("Format nomor tidak bisa dipakai."), "serial_format") from None
    fields = [(name, spec, conversion) for _literal, name, spec, conversion in parts if name is not None]
    if not any(name == "seq" for name, _spec, _conv in fields):
        raise CertificateError(_("Format nomor harus memuat {seq} agar setiap nomor berbeda."), "serial_format")
    unknown = sorted({"{%s}" % name for name, _spec, _conv in fields if name not in _SERIAL_FIELDS})
    if unknown:
        raise CertificateError(_("Kolom tidak dikenal di format nomor: %(names)s. Yang bisa dipakai: %(fields)s.",
                                 names=", ".join(unknown), fields=SERIAL_FIELDS_HELP), "serial_format")
    for name, spec, conversion in fields:
        allowed = name == "seq" and _SEQ_SPEC.fullmatch(spec or "") and int("0" + re.sub(r"\D", "", spec)) <= 12
        if conversion or (spec and not allowed):
            raise CertificateError(_("Cara menulis {%(name)s} tidak dikenal. Tulis {%(name)s} saja (nomor urut "
                                     "boleh {seq:04d}).", name=name), "serial_format")
    sample = format_serial(fmt, seq=1, when=date(2026, 11, 18), cohort="ANGK-1", course="KURSUS")
    if len(sample) > 100:
        raise CertificateError(_("Format nomor terlalu panjang."), "serial_format")
    return fmt


SERIAL_FIELDS_HELP = "{seq}, {year}, {month}, {roman_month}, {cohort}, {course}"


def format_serial(fmt: str, *, seq: int, when: date, cohort: str, course: str) -> str:
    return fmt.format(seq=seq, year=when.year, month=f"{when.month:02d}", roman_month=ROMAN[when.month - 1],
                      cohort=cohort, course=course)


def check_image(data: bytes, field: str) -> str:
    """PNG or JPEG checked by content (not by name), at most 1 MB. Returns the file extension."""
    if len(data) > MAX_IMAGE_BYTES:
        raise CertificateError(_("Gambar terlalu besar (maksimal 1 MB)."), field)
    ext = uploads.sniff(data)
    if ext not in ("png", "jpg"):
        raise CertificateError(_("Gambar harus berupa PNG atau JPEG."), field)
    from PIL import Image  # Pillow comes with WeasyPrint

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except Exception:  # noqa: BLE001 - any decoding failure means a broken image
        raise CertificateError(_("Gambar rusak atau tidak bisa dibaca."), field) from None
    return ext


def _store_asset(data: bytes, ext: str) -> str:
    rel = f"certificates/assets/{secrets.token_urlsafe(16)}.{ext}"
    _write_file(rel, data)
    return rel


def save_template(actor, *, title: str, header_lines: str, recipient_line: str, achievement_line: str,
                  closing_line: str, issuer_name: str, issue_place: str, serial_format: str,
                  primary_colour: str, accent_colour: str, signatories: list[dict],
                  logo: bytes | None = None, remove_logo: bool = False, address: str | None = None,
                  approver: dict | None = None, region_code: str | None = None) -> CertificateTemplate:
    """Validate and save the template (the national one, or that of `region_code`). `signatories`: [{name,
    title, nip, signature (bytes|None), remove_signature}] — one or two, the empty ones dropped. `address`
    and `approver` ({title, name, nip}: the "Mengetahui," block of the daftar hadir) are left as they are
    when None. Flushes."""
    serial_format = check_serial_format(serial_format)
    if approver is not None:
        approver = {key: re.sub(r"\s+", " ", (approver.get(key) or "").strip()) for key in ("title", "name", "nip")}
        if approver["nip"] and not re.fullmatch(r"[0-9 ]{8,30}", approver["nip"]):
            raise CertificateError(_("NIP hanya berisi angka."), "approver_nip")
        if approver["name"] and not approver["title"]:
            raise CertificateError(_("Jabatan yang mengetahui wajib diisi."), "approver_title")
    for name, value in (("primary_colour", primary_colour), ("accent_colour", accent_colour)):
        if not _COLOUR.match(value or ""):
            raise CertificateError(_("Warna ditulis seperti #8c1d17."), name)
    if not (title or "").strip():
        raise CertificateError(_("Judul wajib diisi."), "title")
    if not (issuer_name or "").strip():
        raise CertificateError(_("Nama penerbit wajib diisi."), "issuer_name")
    if not (issue_place or "").strip():
        raise CertificateError(_("Tempat terbit wajib diisi."), "issue_place")

    row = template_settings(region_code)
    old_people = list(row.signatories or [])
    people = []
    for index, person in enumerate(signatories):
        name = (person.get("name") or "").strip()
        if not name:
            continue
        if not (person.get("title") or "").strip():
            raise CertificateError(_("Jabatan penanda tangan wajib diisi."), f"sig{index + 1}_title")
        nip = re.sub(r"\s+", " ", (person.get("nip") or "").strip())
        if nip and not re.fullmatch(r"[0-9 ]{8,30}", nip):
            raise CertificateError(_("NIP hanya berisi angka."), f"sig{index + 1}_nip")
        signature_path = old_people[index].get("signature_path") if index < len(old_people) else None
        if person.get("remove_signature"):
            signature_path = None
        if person.get("signature"):
            ext = check_image(person["signature"], f"sig{index + 1}_signature")
            signature_path = ("pending", person["signature"], ext)
        people.append({"name": name, "title": person["title"].strip(), "nip": nip,
                       "signature_path": signature_path})
    if not people:
        raise CertificateError(_("Isi paling sedikit satu penanda tangan."), "sig1_name")
    logo_path = None if remove_logo else row.logo_path
    if logo:
        logo_path = ("pending", logo, check_image(logo, "logo"))

    # Everything is valid: only now write the uploaded files.
    for person in people:
        if isinstance(person["signature_path"], tuple):
            _pending, data, ext = person["signature_path"]
            person["signature_path"] = _store_asset(data, ext)
    if isinstance(logo_path, tuple):
        logo_path = _store_asset(logo_path[1], logo_path[2])

    row.title = title.strip()
    row.header_lines = "\n".join(line.strip() for line in (header_lines or "").splitlines() if line.strip())
    row.recipient_line = (recipient_line or "").strip()
    row.achievement_line = (achievement_line or "").strip()
    row.closing_line = (closing_line or "").strip()
    row.issuer_name = issuer_name.strip()
    row.issue_place = issue_place.strip()
    row.serial_format = serial_format
    row.primary_colour = primary_colour.lower()
    row.accent_colour = accent_colour.lower()
    row.logo_path = logo_path
    row.signatories = people
    if address is not None:
        row.address = "\n".join(line.strip() for line in address.splitlines() if line.strip())
    if approver is not None:
        row.approver_title, row.approver_name, row.approver_nip = (
            approver["title"], approver["name"], approver["nip"])
    row.updated_by_id = getattr(actor, "id", None)
    if row not in db.session:
        db.session.add(row)
    db.session.flush()
    return row


def template_snapshot(row: CertificateTemplate) -> dict:
    return {
        "title": row.title, "header_lines": row.header_lines or "", "recipient_line": row.recipient_line or "",
        "achievement_line": row.achievement_line or "", "closing_line": row.closing_line or "",
        "issuer_name": row.issuer_name, "issue_place": row.issue_place,
        "primary_colour": row.primary_colour, "accent_colour": row.accent_colour,
        "logo_path": row.logo_path,
        "signatories": [dict(p) for p in (row.signatories or [])],
    }


# ------------------------------------------------------------------------------------------------ rules

def rules_for(course) -> CompletionRule:
    """The course's rules, or an unsaved row with the defaults."""
    rule = db.session.scalar(select(CompletionRule).where(CompletionRule.course_id == course.id))
    if rule is None:
        rule = CompletionRule(course_id=course.id, auto_issue=True, require_lessons=True, require_quizzes=True,
                              min_posttest_score=None, require_assignments=False, min_attendance_pct=None)
    return rule


def save_rules(course, *, auto_issue: bool, require_lessons: bool, require_quizzes: bool,
               min_posttest_score: int | None, require_assignments: bool,
               min_attendance_pct: int | None) -> CompletionRule:
    for field, value in (("min_posttest_score", min_posttest_score), ("min_attendance_pct", min_attendance_pct)):
        if value is not None and not 0 <= value <= 100:
            raise CertificateError(_("Isi angka 0 sampai 100."), field)
    if not (require_lessons or require_quizzes or min_posttest_score is not None or require_assignments
            or min_attendance_pct is not None):
        raise CertificateError(_("Pilih paling sedikit satu syarat kelulusan."), "require_lessons")
    # A minimum of 0 % measures nothing: rules made only of such minimums let every participant through,
    # also one who never came or opened a lesson.
    if not (require_lessons or require_quizzes or min_posttest_score or require_assignments or min_attendance_pct):
        field = "min_attendance_pct" if min_attendance_pct is not None else "min_posttest_score"
        raise CertificateError(_("Syarat ini meloloskan semua peserta, juga yang tidak pernah hadir atau belajar "
                                 "(minimal 0%% tidak mengukur apa pun). Pilih syarat yang benar-benar diukur, "
                                 "misalnya kehadiran minimal 75%% atau semua materi selesai."), field)
    rule = rules_for(course)
    rule.auto_issue = auto_issue
    rule.require_lessons = require_lessons
    rule.require_quizzes = require_quizzes
    rule.min_posttest_score = min_posttest_score
    rule.require_assignments = require_assignments
    rule.min_attendance_pct = min_attendance_pct
    if rule not in db.session:
        db.session.add(rule)
    db.session.flush()
    return rule


@dataclass
class Check:
    key: str
    label: str
    met: bool
    detail: str = ""


def evaluate(enrollment, rule: CompletionRule | None = None) -> list[Check]:
    """Each switched-on rule for this enrolment, met or not (a few aggregate queries)."""
    rule = rule or rules_for(enrollment.course)
    checks: list[Check] = []
    user_id, course_id = enrollment.user_id, enrollment.course_id

    if rule.require_lessons:
        required = (select(Lesson.id).join(Module, Lesson.module_id == Module.id)
                    .where(Module.course_id == course_id, Lesson.required.is_(True), Lesson.published.is_(True)))
        total = db.session.scalar(select(func.count()).select_from(required.subquery())) or 0
        done = db.session.scalar(select(func.count(LessonProgress.id)).where(
            LessonProgress.user_id == user_id, LessonProgress.lesson_id.in_(required))) or 0
        checks.append(Check("lessons", _("Semua materi wajib selesai"), total > 0 and done >= total,
                            _("%(done)d dari %(total)d materi", done=done, total=total)))

    quizzes = []
    if rule.require_quizzes or rule.min_posttest_score is not None:
        quizzes = db.session.execute(
            select(Quiz.id, Quiz.role, Quiz.pass_mark).outerjoin(Lesson, Quiz.lesson_id == Lesson.id)
            .where(Quiz.course_id == course_id, Quiz.role != "pretest",
                   or_(Quiz.lesson_id.is_(None), Lesson.published.is_(True)))).all()
    if quizzes:
        ids = [q.id for q in quizzes]
        rows = db.session.execute(
            select(QuizAttempt.quiz_id, func.max(QuizAttempt.score),
                   func.max(case((QuizAttempt.passed.is_(True), 1), else_=0)))
            .where(QuizAttempt.user_id == user_id, QuizAttempt.quiz_id.in_(ids),
                   QuizAttempt.submitted_at.is_not(None))
            .group_by(QuizAttempt.quiz_id)).all()
        best = {quiz_id: (score, bool(passed)) for quiz_id, score, passed in rows}
    else:
        best = {}

    if rule.require_quizzes:
        total = len(quizzes)
        passed = sum(1 for q in quizzes if best.get(q.id, (None, False))[1])
        checks.append(Check("quizzes", _("Semua kuis dan post-test lulus"), passed >= total,
                            _("%(done)d dari %(total)d kuis", done=passed, total=total)))

    if rule.min_posttest_score is not None:
        posttests = [q for q in quizzes if q.role == "posttest"]
        scores = [best[q.id][0] for q in posttests if q.id in best and best[q.id][0] is not None]
        score = max(scores) if scores else None
        met = score is not None and score >= rule.min_posttest_score
        detail = (_("nilai terbaik %(score)d", score=round(score)) if score is not None
                  else _("belum mengerjakan post-test"))
        checks.append(Check("posttest", _("Nilai post-test minimal %(n)d", n=rule.min_posttest_score), met, detail))

    if rule.require_assignments:
        met = bool(assignments_passed(enrollment))
        detail = _("sudah dinilai Lulus") if met else _("belum dinilai Lulus")
        checks.append(Check("assignments", _("Tugas dinilai Lulus"), met, detail))

    if rule.min_attendance_pct is not None:
        met, detail = False, _("belum ada data kehadiran")
        pct = attendance_pct(enrollment, settled_only=True)  # only sessions whose attendance is closed
        if pct is not None:
            met = pct >= rule.min_attendance_pct
            detail = _("hadir %(pct)d%% (sesi yang presensinya sudah ditutup)", pct=round(pct))
        checks.append(Check("attendance", _("Kehadiran minimal %(n)d%%", n=rule.min_attendance_pct), met, detail))
    return checks


def meets_rules(enrollment, rule: CompletionRule | None = None) -> bool:
    checks = evaluate(enrollment, rule)
    return bool(checks) and all(c.met for c in checks)


# ---------------------------------------------------------------------------------------------- issuing

def live_certificate(enrollment_id: int) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(
        Certificate.enrollment_id == enrollment_id, Certificate.revoked_at.is_(None)))


def issue_if_eligible(enrollment, rule: CompletionRule, by=None) -> Certificate | None:
    """Issue if the enrolment never had a certificate and evaluate() holds at this moment (bulk issue)."""
    if db.session.scalar(select(Certificate.id).where(Certificate.enrollment_id == enrollment.id).limit(1)):
        return None
    if not meets_rules(enrollment, rule):
        return None
    return issue(enrollment, by=by)


def maybe_issue(enrollment) -> Certificate | None:
    """Issue the certificate if the course's rules hold and none was ever issued for this enrolment
    (a revoked certificate is not re-issued automatically). Safe to call often and concurrently."""
    if enrollment is None or enrollment.id is None:
        return None
    if db.session.scalar(select(Certificate.id).where(Certificate.enrollment_id == enrollment.id).limit(1)):
        return None
    rule = rules_for(enrollment.course)
    if not rule.auto_issue or not meets_rules(enrollment, rule):
        return None
    return issue(enrollment)


def issue(enrollment, *, by=None, reason: str | None = None) -> Certificate:
    """Issue the enrolment's certificate: the row, its serial and its snapshot, in the caller's transaction.
    The PDF is rendered after that transaction commits (jobs.render_after_commit), so the serial-number
    row lock is held only for these few statements. Raises CertificateError if a live one exists; if
    another transaction issues one at the same moment, returns that one. Flushes."""
    if reason is not None:
        reason = reason.strip()
        if not reason:
            raise CertificateError(_("Tulis alasan penerbitan manual."), "reason")
        if len(reason) > MAX_REASON:
            raise CertificateError(_("Alasan terlalu panjang (maksimal 500 karakter)."), "reason")
    if live_certificate(enrollment.id) is not None:
        raise CertificateError(_("Peserta ini sudah punya sertifikat yang berlaku."))

    template = template_for(issuing_region(enrollment))
    now = utcnow()
    local_day = local_date(now)
    snapshot = build_snapshot(enrollment, template, local_day)
    cohort_code = enrollment.cohort.code if enrollment.cohort is not None else NO_COHORT
    _ensure_counter(local_day.year)  # a write before the savepoint: opens the transaction on every backend

    for _attempt in range(5):
        try:
            with db.session.begin_nested():
                seq = _next_seq(local_day.year)
                serial = format_serial(template.serial_format or DEFAULT_SERIAL_FORMAT, seq=seq, when=local_day,
                                       cohort=cohort_code, course=enrollment.course.slug.upper()[:30])
                certificate = Certificate(
                    enrollment_id=enrollment.id, serial=serial, verify_code=codes.new_code(), issued_at=now,
                    issued_by_id=getattr(by, "id", None), issue_reason=reason, snapshot=snapshot, version=1)
                db.session.add(certificate)
                db.session.flush()  # the live-certificate index answers here
        except IntegrityError:
            # Another request issued this enrolment's certificate first (the live-certificate index),
            # or — very rarely — the serial or the code collided: then try again with new ones.
            existing = live_certificate(enrollment.id)
            if existing is not None:
                return existing
            continue
        break
    else:  # pragma: no cover - five collisions in a row
        raise CertificateError(_("Nomor sertifikat bentrok. Periksa format nomor di pengaturan templat."))
    from kopedu.certificates import jobs  # jobs builds on this module

    jobs.render_after_commit(certificate.id)
    return certificate


def _ensure_counter(year: int) -> None:
    table = CertificateCounter.__table__
    db.session.execute(insert(table).values(year=year, last=0).on_conflict_do_nothing(index_elements=["year"]))


def _next_seq(year: int) -> int:
    """The year's next running number; the row lock serialises concurrent issuers until commit."""
    table = CertificateCounter.__table__
    return db.session.execute(update(table).where(table.c.year == year).values(last=table.c.last + 1)
                              .returning(table.c.last)).scalar_one()


def date_id(value: date) -> str:
    """18 November 2026, always in Indonesian (the certificate is an Indonesian document)."""
    return date_long(value, locale="id")


def period_id(start: date | None, end: date | None) -> str:
    """11–15 November 2026 · 28 Oktober – 1 November 2026 · 30 Desember 2026 – 2 Januari 2027."""
    if start is None and end is None:
        return ""
    if start is None or end is None or start == end:
        return date_id(start or end)
    if start.year == end.year and start.month == end.month:
        return f"{start.day}–{date_id(end)}"
    if start.year == end.year:
        return f"{format_date(start, 'd MMMM', locale='id')} – {date_id(end)}"
    return f"{date_id(start)} – {date_id(end)}"


def _village_label(village) -> tuple[str, str, str]:
    """(Kelurahan X, Kecamatan Y, Kota Z) from the cooperative's village and its parents."""
    if village is None:
        return "", "", ""
    kecamatan = village.parent
    city = kecamatan.parent if kecamatan is not None else None
    urban = city is not None and city.name.upper().startswith("KOTA")
    village_text = f"{'Kelurahan' if urban else 'Desa'} {title_case(village.name)}"
    kecamatan_text = f"Kecamatan {title_case(kecamatan.name)}" if kecamatan is not None else ""
    city_text = title_case(city.name) if city is not None else ""
    return village_text, kecamatan_text, city_text


def build_snapshot(enrollment, template: CertificateTemplate, issued_on: date) -> dict:
    """Everything printed on the certificate, as plain values."""
    user, course, cohort = enrollment.user, enrollment.course, enrollment.cohort
    cooperative = user.cooperative
    village, kecamatan, city = _village_label(cooperative.village if cooperative else None)
    if cohort is not None:
        period = period_id(cohort.starts_on, cohort.ends_on)
        venue = cohort.venue or ""
    else:
        started = local_date(enrollment.enrolled_at) if enrollment.enrolled_at else None
        finished = local_date(enrollment.completed_at) if enrollment.completed_at else issued_on
        period = period_id(started, finished)
        venue = ""
    tpl = template_snapshot(template)
    return {
        "name": user.full_name,
        "position": user.position or "",
        "cooperative": cooperative.name if cooperative else (user.organisation or ""),
        "village": village, "kecamatan": kecamatan, "city": city,
        "course_title": course.title,
        "jp_hours": course.jp_hours or 0,
        "cohort": cohort.name if cohort is not None else "",
        "period": period,
        "venue": venue,
        "online": cohort is None,
        "issued_on": issued_on.isoformat(),
        "issued_line": f"{tpl['issue_place']}, {date_id(issued_on)}",
        "issuer": tpl["issuer_name"],
        "template": tpl,
    }


def verify_url(code: str) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    return f"{base}/verifikasi/{codes.display(code)}"


def render_context(snapshot: dict, serial: str, code: str, preview: bool = False) -> dict:
    tpl = snapshot["template"]
    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    details = []
    if snapshot.get("jp_hours"):
        details.append(f"sebanyak {snapshot['jp_hours']} JP")
    if snapshot.get("period"):
        details.append(f"pada {snapshot['period']}")
    if snapshot.get("venue"):
        details.append(f"bertempat di {snapshot['venue']}")
    elif snapshot.get("online"):
        details.append("secara daring")
    place_parts = [p for p in (snapshot.get("village"), snapshot.get("kecamatan"), snapshot.get("city")) if p]
    url = verify_url(code)
    return {
        **{k: tpl.get(k, "") for k in ("title", "recipient_line", "achievement_line", "closing_line",
                                       "primary_colour", "accent_colour")},
        "issuer": tpl["issuer_name"],
        "header_lines": [line for line in (tpl.get("header_lines") or "").splitlines() if line.strip()],
        "logo": rendering.image_data_uri(upload_dir / tpl["logo_path"]) if tpl.get("logo_path") else None,
        "signatories": [
            {"name": p["name"], "title": p["title"], "nip": p.get("nip") or "",
             "signature": rendering.image_data_uri(upload_dir / p["signature_path"])
             if p.get("signature_path") else None}
            for p in tpl.get("signatories") or []][:2],
        "serial": serial,
        "name": snapshot["name"], "position": snapshot["position"], "cooperative": snapshot["cooperative"],
        "place_line": ", ".join(place_parts),
        "course_title": snapshot["course_title"],
        "details_line": ", ".join(details) + ("." if details else ""),
        "issued_line": snapshot["issued_line"],
        "qr": rendering.qr_svg(url),
        "verify_code": codes.display(code),
        "verify_base": url.split("/verifikasi/")[0].split("://", 1)[-1] + "/verifikasi",
        "preview": preview,
    }


def render_certificate(certificate: Certificate) -> bytes:
    return rendering.render_pdf(render_context(certificate.snapshot, certificate.serial, certificate.verify_code))


def signed_certificate(certificate: Certificate) -> tuple[bytes, str | None]:
    """The certificate's PDF, signed with the issuing office's key (PAdES), and the signer's name."""
    pdf = render_certificate(certificate)
    place = (certificate.snapshot.get("template") or {}).get("issue_place") or ""
    return signing.sign(pdf, reason=f"Sertifikat {certificate.serial}", location=place)


def store_pdf(certificate: Certificate) -> None:
    """Render and sign once, and store under UPLOAD_DIR/certificates with its sha256. Flushes."""
    pdf, signer = signed_certificate(certificate)
    rel = f"certificates/{certificate.issued_at:%Y}/{secrets.token_urlsafe(16)}.pdf"
    _write_file(rel, pdf)
    certificate.pdf_path = rel
    certificate.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    certificate.pdf_size = len(pdf)
    certificate.pdf_signer = signer
    db.session.flush()


def store_missing_pdf(certificate_id: int) -> bool:
    """Render and store the PDF of a certificate that has none (after its issue committed). Returns
    False if there is nothing to do, or if another render stored one meanwhile (this file is then
    removed with the rollback). Flushes; the caller commits."""
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or pdf_file(certificate.pdf_path) is not None:
        return False
    old_path = certificate.pdf_path
    pdf, signer = signed_certificate(certificate)
    rel = f"certificates/{certificate.issued_at:%Y}/{secrets.token_urlsafe(16)}.pdf"
    _write_file(rel, pdf)
    same = Certificate.pdf_path.is_(None) if old_path is None else Certificate.pdf_path == old_path
    stored = db.session.execute(
        update(Certificate).where(Certificate.id == certificate_id, same)
        .values(pdf_path=rel, pdf_sha256=hashlib.sha256(pdf).hexdigest(), pdf_size=len(pdf), pdf_signer=signer)
        .execution_options(synchronize_session="fetch"))
    return stored.rowcount == 1


def pdf_file(path: str | None) -> Path | None:
    """The stored file (a path under UPLOAD_DIR/certificates) that `path` names, if the store has it —
    asked of the store, so any host finds a PDF that another host or a worker rendered."""
    if not path:
        return None
    full = (Path(current_app.config["UPLOAD_DIR"]) / path).resolve()
    root = (Path(current_app.config["UPLOAD_DIR"]) / "certificates").resolve()
    return full if full.is_relative_to(root) and storage.exists(full) else None


def _write_file(rel: str, data: bytes) -> Path:
    """Write atomically; a transaction that does not commit leaves no file (kopedu.storage)."""
    return storage.write_file(Path(current_app.config["UPLOAD_DIR"]) / rel, data)


# ---------------------------------------------------------------------------------------------- reading

def certificates_for(user) -> list[Certificate]:
    """The user's certificates, newest first, with their course (one query). For the dashboard."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    from kopedu.courses.models import Course

    return list(db.session.scalars(
        select(Certificate).join(Certificate.enrollment).where(Enrollment.user_id == user.id)
        .options(contains_eager(Certificate.enrollment).options(
            lazyload(Enrollment.user), joinedload(Enrollment.course).lazyload(Course.trainers)))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())).unique())


def find_by_code(typed: str) -> Certificate | None:
    code = codes.normalise(typed)
    if not codes.is_well_formed(code):
        return None
    return db.session.scalar(select(Certificate).where(Certificate.verify_code == code))


def can_manage(user, course) -> bool:
    """Trainers of the course and admins (the course's pages; their lists show only the participants
    the user may see)."""
    return bool(user and user.is_authenticated and course is not None and course.is_trainer(user))


def can_manage_certificate(user, certificate) -> bool:
    """Trainers of the course and admins who may see the holder (kopedu.web.access: a trainer's
    cohorts and region, an admin's region)."""
    return can_manage(user, certificate.enrollment.course) and sees_enrollment(user, certificate.enrollment_id)


def download_name(certificate, version: int | None = None) -> str:
    name = safe_name(certificate.snapshot.get("name", "")) or "peserta"
    suffix = f"-v{version}" if version else ""
    return f"Sertifikat-{name}-{safe_name(certificate.serial)}{suffix}.pdf"


@dataclass
class StoredPdf:
    path: Path | None  # None: the PDF is not rendered yet (see preparing)
    sha256: str | None
    download_name: str
    certificate_id: int
    issued_at: object = None


def stored_pdf_for(user, certificate_id: int) -> StoredPdf | None:
    """The stored PDF of a certificate if `user` may download it; None if there is no such certificate
    or file. Raises PermissionError if the user may not. One small query for the owner (the hot path)."""
    row = db.session.execute(
        select(Certificate.id, Certificate.serial, Certificate.snapshot, Certificate.pdf_path, Certificate.pdf_sha256,
               Certificate.issued_at, Certificate.revoked_at, Certificate.enrollment_id, Enrollment.user_id,
               Enrollment.course_id)
        .join(Enrollment, Certificate.enrollment_id == Enrollment.id)
        .where(Certificate.id == certificate_id)).first()
    if row is None:
        return None
    if not user or not user.is_authenticated:
        raise PermissionError
    if row.user_id == user.id:
        if row.revoked_at is not None:
            raise PermissionError
    elif not (can_manage(user, db.session.get(Course, row.course_id)) and sees_enrollment(user, row.enrollment_id)):
        raise PermissionError
    path = pdf_file(row.pdf_path)
    return StoredPdf(path, row.pdf_sha256 if path else None, download_name(row), row.id, row.issued_at)


def safe_name(text: str, limit: int = 80) -> str:
    """A file-name-safe ASCII form: letters, digits, dot, dash and underscore."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_text).strip("._-")
    return re.sub(r"_+", "_", cleaned)[:limit]


def course_participants(course, cohort_id: int | None = None, q: str = "", after: int | None = None,
                        before: int | None = None, per_page: int = 50, viewer=None):
    """Enrolments of the course (optionally one cohort, or names containing `q`; with `viewer`, only
    those the viewer may see) with their live or latest certificate: a keyset page (newest enrolment
    first, on the primary key) of (enrollment, certificate | None) in two queries."""
    from kopedu.web.keyset import keyset_page

    stmt = (select(Enrollment).join(Enrollment.user).where(Enrollment.course_id == course.id)
            .options(contains_eager(Enrollment.user)))
    if viewer is not None:
        stmt = stmt.where(visible_enrollments(viewer))
    if cohort_id:
        stmt = stmt.where(Enrollment.cohort_id == cohort_id)
    if q:
        stmt = stmt.where(func.lower(User.full_name).contains(q.strip().lower(), autoescape=True))
    page = keyset_page(stmt, Enrollment.id, after, before, size=per_page)
    ids = [e.id for e in page.items]
    certs: dict[int, Certificate] = {}
    if ids:
        for cert in db.session.scalars(select(Certificate).where(Certificate.enrollment_id.in_(ids))
                                       .order_by(Certificate.issued_at)):
            current = certs.get(cert.enrollment_id)
            if current is None or current.revoked or not cert.revoked:
                certs[cert.enrollment_id] = cert
    return page, [(e, certs.get(e.id)) for e in page.items]


def course_counts(course_ids, viewer=None) -> dict[int, int]:
    """Live certificates per course (one aggregate; with `viewer`, of the participants they may see)."""
    ids = list(course_ids)
    if not ids:
        return {}
    stmt = (select(Enrollment.course_id, func.count(Certificate.id))
            .join(Certificate, and_(Certificate.enrollment_id == Enrollment.id, Certificate.revoked_at.is_(None)))
            .where(Enrollment.course_id.in_(ids)).group_by(Enrollment.course_id))
    if viewer is not None:
        stmt = stmt.where(visible_enrollments(viewer))
    return dict(db.session.execute(stmt).all())


def course_cohort(course, cohort_id: int | None, viewer=None) -> Cohort | None:
    """The cohort `cohort_id` if it belongs to the course (and, with `viewer`, the viewer may pick it)."""
    if not cohort_id:
        return None
    stmt = select(Cohort).where(Cohort.id == cohort_id, Cohort.course_id == course.id)
    if viewer is not None:
        stmt = stmt.where(visible_cohorts(viewer))
    return db.session.scalar(stmt)


def get_certificate(certificate_id: int) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.id == certificate_id)
                             .options(joinedload(Certificate.versions)))


# ------------------------------------------------------------------------------------------------ admin

def _reason(reason: str | None, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(_("Alasan wajib diisi."), field)
    if len(reason) > MAX_REASON:
        raise CertificateError(_("Alasan terlalu panjang (maksimal 500 karakter)."), field)
    return reason


def revoke(certificate: Certificate, by, reason: str) -> Certificate:
    reason = _reason(reason)
    if certificate.revoked:
        raise CertificateError(_("Sertifikat ini sudah dicabut."))
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = getattr(by, "id", None)
    certificate.revoke_reason = reason
    db.session.flush()
    return certificate


def set_expiry(certificate: Certificate, expires_on: date | None) -> Certificate:
    if expires_on is not None and expires_on < local_date(certificate.issued_at):
        raise CertificateError(_("Tanggal kedaluwarsa tidak boleh sebelum tanggal terbit."), "expires_on")
    certificate.expires_on = expires_on
    db.session.flush()
    return certificate


def regenerate(certificate: Certificate, by, reason: str, use_current_template: bool = False) -> Certificate:
    """Render again from the participant's current data (e.g. a corrected name), keeping serial, code and
    issue date; the previous rendering is kept as a version. Flushes."""
    reason = _reason(reason)
    if certificate.revoked:
        raise CertificateError(_("Sertifikat yang sudah dicabut tidak bisa dibuat ulang."))
    if pdf_file(certificate.pdf_path) is None:
        store_pdf(certificate)  # issued a moment ago, not rendered yet: the version kept must have its PDF
    old = certificate.snapshot
    db.session.add(CertificateVersion(
        certificate_id=certificate.id, version=certificate.version, snapshot=old, pdf_path=certificate.pdf_path,
        pdf_sha256=certificate.pdf_sha256, replaced_by_id=getattr(by, "id", None), reason=reason))
    template = template_for(issuing_region(certificate.enrollment))
    snapshot = build_snapshot(certificate.enrollment, template, date.fromisoformat(old["issued_on"]))
    if not use_current_template:
        snapshot["template"] = old["template"]
        snapshot["issuer"] = old["issuer"]
        snapshot["issued_line"] = old["issued_line"]
    if certificate.enrollment.cohort is None:
        snapshot["period"] = old.get("period", snapshot["period"])
    certificate.snapshot = snapshot
    certificate.version += 1
    store_pdf(certificate)
    return certificate


def preview_pdf(region_code: str | None = None) -> bytes:
    """A sample certificate with the saved template (national, or the one a certificate issued in
    `region_code` would use), watermarked CONTOH."""
    template = template_for(region_code) if region_code else template_settings()
    today = local_date(utcnow())
    tpl = template_snapshot(template)
    snapshot = {
        "name": "Yuliana Ndun", "position": "Ketua", "cooperative": "Koperasi Kelurahan Merah Putih Oebufu",
        "village": "Kelurahan Oebufu", "kecamatan": "Kecamatan Oebobo", "city": "Kota Kupang",
        "course_title": "Penguatan Kapasitas Pengurus Koperasi Desa/Kelurahan Merah Putih", "jp_hours": 32,
        "period": period_id(today, today), "venue": "Aula Dinas Koperasi dan UKM Kota Kupang", "online": False,
        "issued_on": today.isoformat(), "issued_line": f"{tpl['issue_place']}, {date_id(today)}",
        "issuer": tpl["issuer_name"], "template": tpl,
    }
    serial = format_serial(template.serial_format or DEFAULT_SERIAL_FORMAT, seq=1, when=today,
                           cohort="ANGK-1", course="CONTOH")
    return rendering.render_pdf(render_context(snapshot, serial, "CNTHCNTHCNTHCNTHC", preview=True))


# ----------------------------------------------------------------------------------- course-wide work

def create_job(course, kind: str, by, *, reason: str | None = None,
               use_current_template: bool = False, eligible_ids: list[int] | None = None) -> CertificateJob:
    """A queued course job (see CertificateJob); the route commits, then jobs.start_job. Flushes."""
    if kind == "regenerate":
        reason = _reason(reason)
    job = CertificateJob(course_id=course.id, kind=kind, requested_by_id=getattr(by, "id", None),
                         reason=reason, use_current_template=use_current_template, state="queued",
                         eligible_ids=eligible_ids)
    db.session.add(job)
    db.session.flush()
    return job


def confirmed_issue(course, preview_id: int | None, by) -> CertificateJob:
    """"Terbitkan untuk semua yang memenuhi syarat", in two steps: without a preview, a preview job that
    lists who would get a certificate (the page shows the count and the names and asks to confirm); with
    the finished preview or recheck of this course that the trainer confirmed, an issue job for exactly
    the people it listed (each checked again when issued)."""
    preview = db.session.get(CertificateJob, preview_id) if preview_id else None
    if preview is None or preview.course_id != course.id or preview.kind not in ("preview", "recheck") \
            or preview.state != "done" or preview.eligible_ids is None:
        return create_job(course, "preview", by)
    return create_job(course, "issue", by, eligible_ids=list(preview.eligible_ids))


CONFIRM_NAMES = 100  # names listed on the confirmation page; the count covers everyone


def enrollment_names(enrollment_ids: list[int], limit: int = CONFIRM_NAMES) -> list[str]:
    """Participants' names for the confirmation page (one query, at most `limit` ids bound)."""
    ids = list(enrollment_ids or [])[:limit]
    if not ids:
        return []
    rows = db.session.execute(select(User.full_name).join(Enrollment, Enrollment.user_id == User.id)
                              .where(Enrollment.id.in_(ids)).order_by(User.full_name))
    return [name for (name,) in rows]


def _requester(by):
    """The user a course job works for (an id or a user); None: nobody in particular (every enrolment)."""
    if by is None or isinstance(by, User):
        return by
    return db.session.get(User, by)


def course_enrollment_ids(course_id: int, by=None) -> list[int]:
    """The course's enrolments; with `by` (the user a job works for), those that user may see."""
    stmt = select(Enrollment.id).where(Enrollment.course_id == course_id).order_by(Enrollment.id)
    requester = _requester(by)
    if requester is not None:
        stmt = stmt.where(visible_enrollments(requester))
    return list(db.session.scalars(stmt))


def live_certificate_ids(course_id: int, by=None) -> list[int]:
    """The course's valid certificates; with `by`, those whose holders that user may see."""
    stmt = (select(Certificate.id).join(Enrollment, Certificate.enrollment_id == Enrollment.id)
            .where(Enrollment.course_id == course_id, Certificate.revoked_at.is_(None)).order_by(Certificate.id))
    requester = _requester(by)
    if requester is not None:
        stmt = stmt.where(visible_enrollments(requester))
    return list(db.session.scalars(stmt))


def standing(enrollment, rule: CompletionRule) -> str | None:
    """Where an enrolment stands against the rules: "eligible" (meets them, never had a certificate),
    "no_longer" (holds a valid certificate but no longer meets them), or None."""
    certificates = db.session.execute(select(Certificate.id, Certificate.revoked_at)
                                      .where(Certificate.enrollment_id == enrollment.id)).all()
    live = [c for c in certificates if c.revoked_at is None]
    if certificates and not live:
        return None  # revoked: only by hand again
    meets = meets_rules(enrollment, rule)
    if live:
        return None if meets else "no_longer"
    return "eligible" if meets else None


def no_longer_meeting(course, viewer=None) -> tuple[CertificateJob | None, list[Certificate]]:
    """The latest finished re-check and the certificates it found whose holders no longer meet the rules
    (those still valid), by name. Two queries."""
    job = db.session.scalar(select(CertificateJob).where(
        CertificateJob.course_id == course.id, CertificateJob.kind == "recheck", CertificateJob.state == "done")
        .order_by(CertificateJob.id.desc()).limit(1))
    ids = (job.no_longer_ids or []) if job else []
    if not ids:
        return job, []
    rows = db.session.scalars(
        select(Certificate).join(Certificate.enrollment).join(Enrollment.user)
        .where(Certificate.id.in_(ids), Certificate.revoked_at.is_(None), Enrollment.course_id == course.id,
               visible_enrollments(viewer) if viewer is not None else true())
        .options(contains_eager(Certificate.enrollment).contains_eager(Enrollment.user))
        .order_by(User.full_name, Certificate.id)).all()
    return job, list(rows)


def revoke_many(course, certificate_ids, by, reason: str) -> tuple[int, int]:
    """Revoke the chosen certificates of the course whose holders still do not meet the rules (checked
    again now). Returns (revoked, skipped because they meet the rules again). Flushes."""
    reason = _reason(reason)
    ids = {int(i) for i in certificate_ids}
    if not ids:
        raise CertificateError(_("Pilih paling sedikit satu sertifikat."), "certificate_ids")
    rule = rules_for(course)
    revoked = skipped = 0
    certificates = db.session.scalars(
        select(Certificate).join(Certificate.enrollment)
        .where(Certificate.id.in_(ids), Certificate.revoked_at.is_(None), Enrollment.course_id == course.id,
               visible_enrollments(by) if by is not None else true())).all()
    for certificate in certificates:
        if meets_rules(certificate.enrollment, rule):
            skipped += 1
            continue
        revoke(certificate, by, reason)
        revoked += 1
    return revoked, skipped


# ------------------------------------------------------------------------------ events (kopedu.events)

def on_enrollment_changed(enrollment, **_details):
    """Events progress_changed / submission_graded. A failure here must not fail the participant's own
    request: it is logged, nothing is issued, and the next event — or the trainer, by hand — tries again."""
    try:
        maybe_issue(enrollment)
    except Exception:  # noqa: BLE001
        log.exception("automatic certificate for enrollment %s failed", getattr(enrollment, "id", None))


def on_attendance_closed(session) -> None:
    """kopedu.events attendance_closed: the session's attendance is settled; issue to every participant
    of its cohort who now meets the rules (each one isolated as in on_enrollment_changed)."""
    enrollments = db.session.scalars(select(Enrollment).where(Enrollment.cohort_id == session.cohort_id)
                                     .order_by(Enrollment.id)).all()
    for enrollment in enrollments:
        on_enrollment_changed(enrollment)


def unnamed_signatories() -> list[str]:
    """The template's signatories with no person's name — empty, or a title such as the default
    "Kepala Dinas" — while no certificate has been issued yet: the pages that lead to the first issue
    warn about them (a certificate signed by a title alone is not valid for the Dinas)."""
    if db.session.scalar(select(Certificate.id).limit(1)) is not None:
        return []
    unnamed = []
    for person in template_settings().signatories or []:
        name = " ".join((person.get("name") or "").split()).lower()
        title = " ".join((person.get("title") or "").split())
        if not name or title.lower().startswith(name) or name in ("kepala dinas", "sekretaris dinas"):
            unnamed.append(title or person.get("name") or "—")
    return unnamed
