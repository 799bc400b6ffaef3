"""The features working together: a passed assignment completes its lesson, and the certificate
rules that depend on grading and on attendance issue the certificate when they are met."""
from sqlalchemy import select

from kopedu.certificates import services as certificates
from kopedu.cohorts import services as cohorts
from kopedu.extensions import db
from kopedu.grading import services as grading
from kopedu.grading.models import Submission
from kopedu.learning.models import Enrollment, LessonProgress
from tests import factories


def _world(with_cohort=False):
    course = factories.course(lessons=1, sequential=False, jp_hours=8)
    assignment = factories.assignment(course)
    trainer = factories.trainer_of(course)
    coop = factories.cooperative("5371030011")
    participant = factories.user(full_name="Yuliana Ndun", cooperative_id=coop.id, position="Ketua")
    cohort = factories.cohort(course, trainers=[trainer]) if with_cohort else None
    enrollment = factories.enrollment(participant, course, cohort)
    reading = course.modules[0].lessons[0]
    db.session.add(LessonProgress(user_id=participant.id, lesson_id=reading.id))
    db.session.flush()
    return course, assignment, trainer, participant, enrollment


def _submit_and_grade(assignment, enrollment, trainer, outcome, tmp_path):
    grading.submit(assignment, enrollment, text="Rencana bisnis gerai sembako.", files=[], upload_dir=tmp_path)
    submission = db.session.scalar(select(Submission).where(Submission.enrollment_id == enrollment.id))
    levels = {c.id: max(int(level["points"]) for level in c.levels) for c in assignment.criteria}
    feedback = "" if outcome == "lulus" else "Tambahkan rencana keuangan."
    return grading.grade(submission, trainer, version_number=submission.latest_version.number, levels=levels,
                         outcome=outcome, feedback=feedback)


def test_passing_an_assignment_completes_its_lesson_and_issues_the_certificate(app, tmp_path):
    course, assignment, trainer, participant, enrollment = _world()
    certificates.save_rules(course, auto_issue=True, require_lessons=True, require_quizzes=False,
                            min_posttest_score=None, require_assignments=True, min_attendance_pct=None)
    db.session.commit()

    _submit_and_grade(assignment, enrollment, trainer, "perlu_revisi", tmp_path)
    db.session.commit()
    assert certificates.live_certificate(enrollment.id) is None
    assert not grading.assignments_passed(enrollment)

    _submit_and_grade(assignment, enrollment, trainer, "lulus", tmp_path)
    db.session.commit()
    done = db.session.scalar(select(LessonProgress).where(
        LessonProgress.user_id == participant.id, LessonProgress.lesson_id == assignment.lesson_id))
    assert done is not None
    db.session.refresh(enrollment)
    assert enrollment.progress_pct == 100 and enrollment.completed_at is not None
    certificate = certificates.live_certificate(enrollment.id)
    assert certificate is not None and "Yuliana Ndun" in certificate.snapshot["name"]


def test_attendance_rule_issues_once_enough_sessions_are_attended_and_closed(app, tmp_path):
    course, assignment, trainer, participant, enrollment = _world(with_cohort=True)
    cohort = db.session.get(Enrollment, enrollment.id).cohort
    first, second = factories.cohort_session(cohort), factories.cohort_session(cohort)
    certificates.save_rules(course, auto_issue=True, require_lessons=False, require_quizzes=False,
                            min_posttest_score=None, require_assignments=False, min_attendance_pct=75)
    db.session.commit()

    cohorts.set_attendance(first, enrollment, "present", actor=trainer)
    db.session.commit()
    assert cohorts.attendance_pct(enrollment) == 50
    assert certificates.live_certificate(enrollment.id) is None

    cohorts.set_attendance(second, enrollment, "late", actor=trainer)
    db.session.commit()
    assert cohorts.attendance_pct(enrollment) == 100
    # A tap is not a settled state: only closing the sessions' attendance evaluates the rule.
    assert certificates.live_certificate(enrollment.id) is None
    cohorts.close_attendance(first, trainer)
    db.session.commit()
    assert certificates.live_certificate(enrollment.id) is None  # 50 % settled
    cohorts.close_attendance(second, trainer)
    db.session.commit()
    assert certificates.live_certificate(enrollment.id) is not None


def test_assignment_lesson_links_to_its_submission_page(app, client, login):
    course, assignment, trainer, participant, enrollment = _world()
    login(participant)
    html = client.get(f"/kursus/{course.slug}/pelajaran/{assignment.lesson_id}").get_data(as_text=True)
    assert f'href="/tugas/{assignment.lesson_id}"' in html
    assert client.get(f"/tugas/{assignment.lesson_id}").status_code == 200
