"""Completion rules, issuing exactly once, the stored PDF and its content, regeneration."""
import hashlib
import io
import threading
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from kopedu.certificates import codes, services
from kopedu.certificates.models import Certificate, CertificateVersion
from kopedu.db import local_date
from kopedu.extensions import db
from kopedu.learning.models import Enrollment, LessonProgress
from kopedu.learning.services import enroll
from kopedu import events
from tests import factories
from tests.certificates.helpers import complete, settle


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def stored(app, certificate) -> bytes:
    return (Path(app.config["UPLOAD_DIR"]) / certificate.pdf_path).read_bytes()


def certificates_of(enrollment):
    return db.session.scalars(select(Certificate).where(Certificate.enrollment_id == enrollment.id)).all()


# --------------------------------------------------------------------------------------------- codes

def test_verify_codes_are_long_random_and_without_look_alikes():
    assert codes.BITS >= 80
    assert not set("0O1IL") & set(codes.ALPHABET)
    made = {codes.new_code() for _ in range(2000)}
    assert len(made) == 2000
    code = made.pop()
    shown = codes.display(code)
    assert len(shown.split("-")) == 5 and all(len(g) == 4 for g in shown.split("-")[:4])
    assert codes.normalise(" " + shown.lower() + " ") == code
    assert codes.is_well_formed(code) and not codes.is_well_formed(code[:-1] + "0")


# --------------------------------------------------------------------------------------------- rules

def test_no_certificate_until_every_rule_holds(world):
    e = world.enrollment
    # all lessons but one done, all quizzes passed: not yet
    for lesson in world.lessons[:-1]:
        db.session.add(LessonProgress(user_id=e.user_id, lesson_id=lesson.id))
    factories.quiz_attempt(world.participant, world.lesson_quiz, score=90)
    factories.quiz_attempt(world.participant, world.posttest, score=90)
    events.emit("progress_changed", e)
    assert certificates_of(e) == []
    checks = {c.key: c.met for c in services.evaluate(e)}
    assert checks == {"lessons": False, "quizzes": True}

    db.session.add(LessonProgress(user_id=e.user_id, lesson_id=world.lessons[-1].id))
    db.session.flush()
    events.emit("progress_changed", e)
    [certificate] = certificates_of(e)
    assert certificate.issue_reason is None and certificate.issued_by_id is None


def test_failed_post_test_blocks_and_a_later_pass_issues(world):
    e = world.enrollment
    complete(e, posttest_score=60)
    assert certificates_of(e) == []
    assert {c.key: c.met for c in services.evaluate(e)}["quizzes"] is False
    factories.quiz_attempt(world.participant, world.posttest, score=80, number=2)
    events.emit("progress_changed", e)
    assert len(certificates_of(e)) == 1


def test_minimum_post_test_score_is_its_own_rule(world):
    services.save_rules(world.course, auto_issue=True, require_lessons=True, require_quizzes=True,
                        min_posttest_score=85, require_assignments=False, min_attendance_pct=None)
    e = world.enrollment
    complete(e, posttest_score=80)  # passes the quiz's own mark of 70, not the course's 85
    assert certificates_of(e) == []
    posttest = next(c for c in services.evaluate(e) if c.key == "posttest")
    assert not posttest.met and "80" in posttest.detail
    factories.quiz_attempt(world.participant, world.posttest, score=90, number=2)
    events.emit("progress_changed", e)
    assert len(certificates_of(e)) == 1


def test_pretest_optional_and_unpublished_lessons_do_not_count(world):
    world.lessons[0].required = False
    world.lessons[1].published = False
    e = world.enrollment
    db.session.add(LessonProgress(user_id=e.user_id, lesson_id=world.lessons[2].id))
    factories.quiz_attempt(world.participant, world.lesson_quiz, score=75)
    factories.quiz_attempt(world.participant, world.posttest, score=75)
    db.session.flush()
    # no pre-test attempt at all, and the pre-test is never pass/fail
    assert services.meets_rules(e)


def test_unsubmitted_attempts_do_not_count(world):
    e = world.enrollment
    for lesson in world.lessons:
        db.session.add(LessonProgress(user_id=e.user_id, lesson_id=lesson.id))
    factories.quiz_attempt(world.participant, world.lesson_quiz, score=90)
    factories.quiz_attempt(world.participant, world.posttest, score=0, submitted=False)
    events.emit("progress_changed", e)
    assert certificates_of(e) == []
    assert {c.key: c.met for c in services.evaluate(e)} == {"lessons": True, "quizzes": False}


def test_auto_issue_off_leaves_it_to_the_trainer(world):
    services.save_rules(world.course, auto_issue=False, require_lessons=True, require_quizzes=True,
                        min_posttest_score=None, require_assignments=False, min_attendance_pct=None)
    complete(world.enrollment)
    assert certificates_of(world.enrollment) == []
    assert services.meets_rules(world.enrollment)


def test_a_course_with_nothing_to_check_never_issues_by_itself(app, regions):
    course = factories.course(lessons=0)
    user = factories.user()
    e = enroll(user, course)
    events.emit("progress_changed", e)
    assert certificates_of(e) == []


def test_rules_need_at_least_one_condition_and_valid_percentages(world):
    with pytest.raises(services.CertificateError):
        services.save_rules(world.course, auto_issue=True, require_lessons=False, require_quizzes=False,
                            min_posttest_score=None, require_assignments=False, min_attendance_pct=None)
    with pytest.raises(services.CertificateError) as error:
        services.save_rules(world.course, auto_issue=True, require_lessons=True, require_quizzes=False,
                            min_posttest_score=101, require_assignments=False, min_attendance_pct=None)
    assert error.value.field == "min_posttest_score"


# ---------------------------------------------------------------------------------------- issuing

def test_issued_certificate_is_rendered_once_and_stored_with_its_hash(app, world):
    complete(world.enrollment)
    [certificate] = certificates_of(world.enrollment)
    assert certificate.pdf_path is None  # recorded in the transaction; rendered after the commit
    settle()
    data = stored(app, certificate)
    assert data.startswith(b"%PDF")
    assert certificate.pdf_sha256 == hashlib.sha256(data).hexdigest()
    assert certificate.pdf_size == len(data)
    assert certificate.pdf_path.startswith("certificates/") and world.participant.full_name not in certificate.pdf_path
    assert codes.is_well_formed(certificate.verify_code)


def test_certificate_content(app, world):
    app.config["PUBLIC_BASE_URL"] = "https://kopedu.example.go.id"
    complete(world.enrollment)
    settle()
    [certificate] = certificates_of(world.enrollment)
    text = pdf_text(stored(app, certificate))
    flat = " ".join(text.split())
    year = certificate.issued_at.year
    assert certificate.serial == f"0001/BIMTEK-KMP/ANGK-1/{year}"
    for expected in ("Yuliana Ndun", certificate.serial, "Ketua, Koperasi Kelurahan Merah Putih Oebufu",
                     "Kelurahan Oebufu, Kecamatan Oebobo, Kota Kupang", "Penguatan Kapasitas Pengurus KMP",
                     "32 JP", "11–15 November 2026", "Aula Dinas Koperasi dan UKM Kota Kupang",
                     codes.display(certificate.verify_code), "kopedu.example.go.id/verifikasi",
                     f"Kupang, {services.date_id(local_date(certificate.issued_at))}"):
        assert expected in flat, expected
    assert "SERTIFIKAT" in flat.replace(" ", "")
    # no phone number or email on the certificate
    assert "0812" not in flat and "example.org" not in flat


def test_issue_date_and_period_are_written_in_indonesian(app):
    assert services.date_id(date(2026, 11, 18)) == "18 November 2026"
    assert services.period_id(date(2026, 10, 28), date(2026, 11, 1)) == "28 Oktober – 1 November 2026"
    assert services.period_id(date(2026, 12, 30), date(2027, 1, 2)) == "30 Desember 2026 – 2 Januari 2027"
    assert services.period_id(date(2026, 8, 17), date(2026, 8, 17)) == "17 Agustus 2026"
    # 23:30 UTC on 17 November is already 18 November in Kupang (WITA, UTC+8)
    assert local_date(datetime(2026, 11, 17, 23, 30, tzinfo=timezone.utc)) == date(2026, 11, 18)


def test_serials_count_up_per_year_and_follow_the_format(world):
    row = services.template_settings()
    services.save_template(None, title="SERTIFIKAT", header_lines="", recipient_line="", achievement_line="",
                           closing_line="", issuer_name="Dinas", issue_place="Kupang",
                           serial_format="{seq:03d}/{roman_month}/{cohort}/{year}", primary_colour="#112233",
                           accent_colour="#445566", signatories=[{"name": "Ibu Kadis", "title": "Kepala Dinas"}])
    assert row.serial_format
    other = factories.user(full_name="Stefanus Tefa")
    second = enroll(other, world.course)  # no cohort
    first = services.issue(world.enrollment, by=world.trainer, reason="ikut tatap muka")
    then = services.issue(second, by=world.trainer, reason="ikut tatap muka")
    today = local_date(first.issued_at)
    assert first.serial == f"001/{services.ROMAN[today.month - 1]}/ANGK-1/{today.year}"
    assert then.serial == f"002/{services.ROMAN[today.month - 1]}/MANDIRI/{today.year}"


def test_serial_format_must_hold_the_running_number():
    for bad in ("BIMTEK/{year}", "{seq:04d}/{nama}", "{seq:q}"):
        with pytest.raises(services.CertificateError):
            services.check_serial_format(bad)
    assert services.check_serial_format(" {seq:04d}/X/{year} ") == "{seq:04d}/X/{year}"


def test_only_one_live_certificate_per_enrollment_in_the_database(world):
    complete(world.enrollment)
    [certificate] = certificates_of(world.enrollment)
    twin = Certificate(enrollment_id=world.enrollment.id, serial="X-1", verify_code=codes.new_code(),
                       snapshot={}, version=1)
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.add(twin)
            db.session.flush()
    # once revoked, a new live one may exist beside it
    services.revoke(certificate, world.admin, "Data peserta keliru")
    again = services.issue(world.enrollment, by=world.admin, reason="Terbit ulang setelah koreksi")
    assert again.id != certificate.id and again.serial != certificate.serial


def test_progress_after_issue_changes_nothing_and_revoked_is_not_reissued_automatically(world):
    complete(world.enrollment)
    events.emit("progress_changed", world.enrollment)
    [certificate] = certificates_of(world.enrollment)
    services.revoke(certificate, world.admin, "Pelanggaran tata tertib")
    events.emit("progress_changed", world.enrollment)
    assert len(certificates_of(world.enrollment)) == 1


def test_manual_issue_needs_a_reason_and_no_live_certificate(world):
    with pytest.raises(services.CertificateError):
        services.issue(world.enrollment, by=world.trainer, reason="   ")
    certificate = services.issue(world.enrollment, by=world.trainer, reason="Kuis dikerjakan di kertas")
    assert certificate.issue_reason == "Kuis dikerjakan di kertas" and certificate.issued_by_id == world.trainer.id
    with pytest.raises(services.CertificateError):
        services.issue(world.enrollment, by=world.trainer, reason="lagi")


def test_two_concurrent_completions_make_one_certificate(app, world, monkeypatch):
    """Two requests complete the course at the same moment, each in its own session and transaction:
    both pass the "no certificate yet" check; the database lets only one certificate live."""
    complete(world.enrollment, send=False)
    db.session.commit()
    enrollment_id = world.enrollment.id
    barrier = threading.Barrier(2, timeout=10)
    original = services.build_snapshot

    def both_past_the_check(*args, **kwargs):
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "build_snapshot", both_past_the_check)
    results, errors = [], []

    def request_completes():
        with app.app_context():
            try:
                enrollment = db.session.get(Enrollment, enrollment_id)
                events.emit("progress_changed", enrollment)
                found = services.live_certificate(enrollment_id)
                db.session.commit()
                results.append(found.serial if found else None)
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=request_completes) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    assert not barrier.broken  # both really were past the check at the same time
    db.session.expire_all()
    count = db.session.scalar(select(func.count(Certificate.id)).where(Certificate.enrollment_id == enrollment_id))
    assert count == 1
    assert results[0] == results[1] is not None  # both requests see the same certificate
    assert db.session.scalar(select(func.max(Certificate.serial))).startswith("0001/")


def test_rolled_back_issue_renders_nothing(app, world):
    from kopedu.certificates import jobs

    complete(world.enrollment)
    assert len(certificates_of(world.enrollment)) == 1
    db.session.rollback()
    assert jobs.wait_for_workers(60)
    assert certificates_of(world.enrollment) == []
    assert not list((Path(app.config["UPLOAD_DIR"])).glob("certificates/**/*.pdf"))


def test_regenerate_keeps_serial_code_and_history(app, world):
    complete(world.enrollment)
    settle()
    [certificate] = certificates_of(world.enrollment)
    serial, code, first_hash, first_path = (certificate.serial, certificate.verify_code, certificate.pdf_sha256,
                                            certificate.pdf_path)
    world.participant.full_name = "Yuliana Marlin Ndun"
    services.regenerate(certificate, world.admin, "Perbaikan nama")
    db.session.commit()
    assert (certificate.serial, certificate.verify_code, certificate.version) == (serial, code, 2)
    assert certificate.pdf_sha256 != first_hash
    assert "Yuliana Marlin Ndun" in pdf_text(stored(app, certificate))
    [old] = db.session.scalars(select(CertificateVersion)).all()
    assert old.version == 1 and old.snapshot["name"] == "Yuliana Ndun" and old.reason == "Perbaikan nama"
    assert old.pdf_path == first_path and (Path(app.config["UPLOAD_DIR"]) / first_path).is_file()
    with pytest.raises(services.CertificateError):
        services.regenerate(certificate, world.admin, "")


def test_regenerate_keeps_the_original_signatory_unless_asked(app, world):
    complete(world.enrollment)
    settle()
    [certificate] = certificates_of(world.enrollment)
    services.save_template(None, title="SERTIFIKAT", header_lines="", recipient_line="diberikan kepada",
                           achievement_line="", closing_line="", issuer_name="Dinas Koperasi", issue_place="Kupang",
                           serial_format="{seq:04d}/{year}", primary_colour="#8c1d17", accent_colour="#b38b2d",
                           signatories=[{"name": "Drs. Kepala Baru", "title": "Kepala Dinas"}])
    services.regenerate(certificate, world.admin, "Perbaikan nama")
    assert "Kepala Baru" not in pdf_text(stored(app, certificate))
    services.regenerate(certificate, world.admin, "Ganti penanda tangan", use_current_template=True)
    assert "Kepala Baru" in pdf_text(stored(app, certificate))
    assert certificate.version == 3


def test_revoke_and_expiry(world):
    complete(world.enrollment)
    [certificate] = certificates_of(world.enrollment)
    assert certificate.status() == "valid"
    with pytest.raises(services.CertificateError):
        services.set_expiry(certificate, date(2000, 1, 1))
    services.set_expiry(certificate, date(2027, 12, 31))
    assert certificate.status(today=date(2028, 1, 1)) == "expired"
    with pytest.raises(services.CertificateError):
        services.revoke(certificate, world.admin, " ")
    services.revoke(certificate, world.admin, "Data palsu")
    assert certificate.status() == "revoked" and certificate.revoke_reason == "Data palsu"
    with pytest.raises(services.CertificateError):
        services.revoke(certificate, world.admin, "lagi")


def test_certificates_for_lists_own_certificates_only(world, count_queries):
    complete(world.enrollment)
    other = factories.user()
    complete(enroll(other, world.course))
    with count_queries() as one:
        services.certificates_for(world.participant)
    for n in range(3):
        extra = factories.course(title=f"Kursus tambahan {n}", lessons=1)
        complete(enroll(world.participant, extra))
    with count_queries() as four:
        mine = services.certificates_for(world.participant)
        titles = {c.enrollment.course.title for c in mine}
    assert {c.enrollment.user_id for c in mine} == {world.participant.id}
    assert len(mine) == 4 and "Penguatan Kapasitas Pengurus KMP" in titles
    assert four.count == one.count <= 2  # the certificates with their courses (and the courses' trainers)


def test_a_failed_render_does_not_break_the_participants_request_and_heals_later(app, world, monkeypatch,
                                                                                client, login):
    from kopedu.certificates import jobs

    def broken(context):
        raise RuntimeError("Pango is missing")

    monkeypatch.setattr(services.rendering, "render_pdf", broken)
    complete(world.enrollment)  # learning emits progress_changed: must not raise
    settle()  # the participant's progress and the certificate are saved; the render after it failed
    assert db.session.scalar(select(func.count(LessonProgress.id))) == len(world.lessons)
    [certificate] = certificates_of(world.enrollment)
    assert certificate.pdf_path is None
    login(world.participant)
    assert client.get(f"/sertifikat/{certificate.id}/unduh").status_code == 202  # "sedang disiapkan"
    monkeypatch.undo()
    # Later than the wait: the download renders it itself and sends it.
    monkeypatch.setattr(jobs, "PREPARING_SECONDS", 0)
    response = client.get(f"/sertifikat/{certificate.id}/unduh")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    db.session.expire_all()
    assert certificates_of(world.enrollment)[0].pdf_path is not None
