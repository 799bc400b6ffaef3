"""Saving the rules re-checks the course in the background and says how many will be issued;
"Terbitkan untuk semua yang memenuhi syarat"; bulk "Buat ulang" with a reason; the list "tidak lagi
memenuhi syarat" with revoke in bulk — never automatic."""
import pytest
from sqlalchemy import func, select

from kopedu.certificates import jobs, services
from kopedu.certificates.models import Certificate, CertificateJob, CompletionRule
from kopedu.extensions import db
from kopedu.learning.services import enroll
from tests import factories
from tests.certificates.helpers import complete, settle


def _live() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Certificate.id)).where(Certificate.revoked_at.is_(None)))


@pytest.fixture
def strict(world):
    """The course asks for a post-test score of 95: six finished with 85, two with 75, one is not done."""
    db.session.add(CompletionRule(course_id=world.course.id, auto_issue=True, require_lessons=True,
                                  require_quizzes=True, min_posttest_score=95))
    db.session.flush()
    people = []
    for n in range(8):
        enrollment = enroll(factories.user(full_name=f"Peserta {n}"), world.course, world.cohort)
        complete(enrollment, posttest_score=85 if n < 6 else 75)
        people.append(enrollment)
    settle()
    assert _live() == 0
    return world, people


def _job_page(client, response):
    assert response.status_code == 303 and "/sertifikat/tugas/" in response.headers["Location"]
    assert jobs.wait_for_workers(60)
    return client.get(response.headers["Location"]).get_data(as_text=True)


RULES = {"require_lessons": "y", "require_quizzes": "y", "auto_issue": "y"}


def test_saving_rules_issues_to_everyone_who_now_meets_them(strict, client, login):
    world, people = strict
    login(world.trainer)
    page = _job_page(client, client.post(f"/sertifikat/kursus/{world.course.id}/aturan",
                                         data={**RULES, "min_posttest_score": "80"}))
    assert "6 peserta memenuhi syarat dan akan diterbitkan sertifikatnya." in page
    assert "Sudah terbit: 6." in page and "Selesai." in page
    assert _live() == 6
    job = db.session.scalar(select(CertificateJob))
    assert (job.kind, job.state, job.total, job.eligible, job.issued) == ("recheck", "done", 9, 6, 6)
    # Saving again issues nothing twice.
    _job_page(client, client.post(f"/sertifikat/kursus/{world.course.id}/aturan",
                                  data={**RULES, "min_posttest_score": "80"}))
    assert _live() == 6


def test_without_automatic_issue_the_page_offers_to_issue_to_all(strict, client, login):
    world, people = strict
    login(world.trainer)
    page = _job_page(client, client.post(f"/sertifikat/kursus/{world.course.id}/aturan",
                                         data={"require_lessons": "y", "require_quizzes": "y",
                                               "min_posttest_score": "70"}))
    assert "8 peserta memenuhi syarat tetapi belum punya sertifikat." in page
    assert "Ya, terbitkan untuk 8 peserta" in page  # the re-check lists them and asks to confirm
    assert _live() == 0
    # the button first shows who would get a certificate, by name, and asks to confirm: nothing issued yet
    page = _job_page(client, client.post(f"/sertifikat/kursus/{world.course.id}/terbitkan-semua"))
    assert "8 peserta memenuhi syarat tetapi belum punya sertifikat." in page
    assert "Yang akan menerima sertifikat" in page and "Ya, terbitkan untuk 8 peserta" in page
    assert all(f"<li>Peserta {n}</li>" in page for n in range(8))
    assert _live() == 0
    preview = db.session.scalar(select(CertificateJob).where(CertificateJob.kind == "preview"))
    assert len(preview.eligible_ids) == 8
    page = _job_page(client, client.post(f"/sertifikat/kursus/{world.course.id}/terbitkan-semua",
                                         data={"dari": preview.id}))
    assert "8 peserta memenuhi syarat dan akan diterbitkan sertifikatnya." in page
    assert _live() == 8
    issued_by = set(db.session.scalars(select(Certificate.issued_by_id)))
    assert issued_by == {world.trainer.id}


def test_confirming_issues_to_exactly_the_people_listed(strict, client, login):
    """Someone who joins the eligible after the list was shown waits for the next list; someone who no
    longer meets the rules when it is confirmed gets nothing."""
    world, people = strict
    login(world.trainer)
    _job_page(client, client.post(f"/sertifikat/kursus/{world.course.id}/aturan",
                                  data={"require_lessons": "y", "require_quizzes": "y", "min_posttest_score": "80"}))
    page = _job_page(client, client.post(f"/sertifikat/kursus/{world.course.id}/terbitkan-semua"))
    assert "Ya, terbitkan untuk 6 peserta" in page and "Peserta 6" not in page
    preview = db.session.scalar(select(CertificateJob).where(CertificateJob.kind == "preview"))
    complete(people[6], posttest_score=90)  # eligible now, but not on the list the trainer saw
    settle()
    _job_page(client, client.post(f"/sertifikat/kursus/{world.course.id}/terbitkan-semua", data={"dari": preview.id}))
    holders = set(db.session.scalars(select(Certificate.enrollment_id).where(Certificate.revoked_at.is_(None))))
    assert holders == {p.id for p in people[:6]}
    # a preview of another course, or one not finished, is no confirmation: a new list is made instead
    other = services.create_job(factories.course(lessons=1), "preview", world.trainer)
    db.session.commit()
    response = client.post(f"/sertifikat/kursus/{world.course.id}/terbitkan-semua", data={"dari": other.id})
    jobs.wait_for_workers(60)
    job = db.session.get(CertificateJob, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert job.kind == "preview" and job.course_id == world.course.id


def test_holders_who_no_longer_meet_the_rules_are_listed_and_revoked_only_by_an_admin(strict, client, login, app):
    world, people = strict
    login(world.admin)
    _job_page(client, client.post(f"/sertifikat/kursus/{world.course.id}/aturan",
                                  data={**RULES, "min_posttest_score": "70"}))
    assert _live() == 8
    page = _job_page(client, client.post(f"/sertifikat/kursus/{world.course.id}/aturan",
                                         data={**RULES, "min_posttest_score": "80"}))
    assert "2 pemegang sertifikat tidak lagi memenuhi syarat." in page
    assert _live() == 8  # never revoked automatically
    url = f"/sertifikat/kursus/{world.course.id}/tidak-memenuhi"
    listed = client.get(url).get_data(as_text=True)
    assert "Peserta 6" in listed and "Peserta 7" in listed and "Peserta 0" not in listed

    trainer = app.test_client()
    login(world.trainer, c=trainer)
    assert "Peserta 6" in trainer.get(url).get_data(as_text=True)
    ids = [services.live_certificate(e.id).id for e in people[6:]]
    assert trainer.post(url, data={"certificate_ids": ids, "reason": "x"}).status_code == 403

    missing = client.post(url, data={"certificate_ids": ids, "reason": ""})
    assert missing.status_code == 422 and _live() == 8
    done = client.post(url, data={"certificate_ids": ids[:1], "reason": "Nilai post-test di bawah syarat baru"})
    assert done.status_code == 303
    assert _live() == 7
    revoked = db.session.get(Certificate, ids[0])
    assert revoked.revoked and revoked.revoke_reason == "Nilai post-test di bawah syarat baru"
    # Someone who meets the rules is not revoked even if their id is sent.
    fine = services.live_certificate(people[0].id).id
    client.post(url, data={"certificate_ids": [fine], "reason": "salah pilih"})
    assert _live() == 7


def test_bulk_regenerate_with_a_reason(strict, client, login, app):
    world, people = strict
    login(world.admin)
    _job_page(client, client.post(f"/sertifikat/kursus/{world.course.id}/aturan",
                                  data={**RULES, "min_posttest_score": "80"}))
    before = {c.id: (c.serial, c.verify_code, c.pdf_sha256) for c in db.session.scalars(select(Certificate))}
    url = f"/sertifikat/kursus/{world.course.id}/buat-ulang"
    assert "6 sertifikat yang berlaku" in client.get(url).get_data(as_text=True)
    assert client.post(url, data={"reason": ""}).status_code == 422
    people[0].user.full_name = "Peserta Nol Diperbaiki"
    db.session.commit()
    page = _job_page(client, client.post(url, data={"reason": "Perbaikan nama"}))
    assert "Selesai: 6 sertifikat dibuat ulang." in page
    db.session.expire_all()
    for certificate in db.session.scalars(select(Certificate)):
        serial, code, sha = before[certificate.id]
        assert (certificate.serial, certificate.verify_code, certificate.version) == (serial, code, 2)
        assert certificate.versions[0].reason == "Perbaikan nama"
    fixed = services.live_certificate(people[0].id)
    assert fixed.snapshot["name"] == "Peserta Nol Diperbaiki" and fixed.pdf_sha256 != before[fixed.id][2]
    trainer = app.test_client()
    login(world.trainer, c=trainer)
    assert trainer.post(url, data={"reason": "x"}).status_code == 403
