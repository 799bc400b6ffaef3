"""Lesson reader and "Tandai selesai": one row per lesson, the sequential lock, progress and completion."""
import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from kopedu.courses.models import Lesson
from kopedu.extensions import db
from kopedu.learning import services
from kopedu.learning.models import Enrollment, LessonProgress
from tests import factories
from tests.learning.conftest import lesson_url, lessons_of

HX = {"HX-Request": "true"}


def progress_rows(user, lesson=None):
    stmt = select(func.count(LessonProgress.id)).where(LessonProgress.user_id == user.id)
    if lesson is not None:
        stmt = stmt.where(LessonProgress.lesson_id == lesson.id)
    return db.session.scalar(stmt)


def enrollment_of(user, course):
    db.session.expire_all()
    return db.session.scalar(select(Enrollment).where(Enrollment.user_id == user.id,
                                                      Enrollment.course_id == course.id))


def test_lesson_page_shows_body_outline_progress_and_button(client, login, course, participant):
    first = lessons_of(course)[0]
    login(participant)
    response = client.get(lesson_url(course, first))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Isi pelajaran <strong>1.1</strong>" in html  # Markdown rendered
    assert 'id="course-progress"' in html and 'value="0"' in html
    assert "Tandai selesai" in html
    assert html.count('class="outline-item') == 4
    assert "Terkunci" in html  # lessons 2-4 are locked in a sequential course


def test_mark_done_with_htmx_updates_button_progress_and_outline_in_one_response(client, login, course, participant):
    first, second = lessons_of(course)[:2]
    login(participant)
    response = client.post(lesson_url(course, first, "/selesai"), headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.startswith('<div id="lesson-done"') and "Pelajaran ini sudah selesai" in html
    # out-of-band: the progress bar, the pager and both outline entries whose status changed
    assert re.search(r'id="course-progress"[^>]*hx-swap-oob="true"', html)
    assert 'value="25"' in html and "25%" in html
    assert re.search(rf'id="outline-{first.id}"[^>]*hx-swap-oob="true"', html)
    assert re.search(rf'id="outline-{second.id}"[^>]*hx-swap-oob="true"', html)
    assert f'id="outline-{lessons_of(course)[2].id}"' not in html  # unchanged entries are not resent
    assert re.search(r'id="lesson-pager"[^>]*hx-swap-oob="true"', html)
    assert "<html" not in html
    assert len(response.get_data()) <= 4096
    assert progress_rows(participant, first) == 1
    assert enrollment_of(participant, course).progress_pct == 25


def test_second_click_or_second_tab_leaves_one_row(client, login, course, participant):
    first = lessons_of(course)[0]
    login(participant)
    assert client.post(lesson_url(course, first, "/selesai"), headers=HX).status_code == 200
    assert client.post(lesson_url(course, first, "/selesai"), headers=HX).status_code == 200
    assert client.post(lesson_url(course, first, "/selesai")).status_code == 303
    assert progress_rows(participant) == 1
    assert enrollment_of(participant, course).progress_pct == 25


def test_database_refuses_a_duplicate_progress_row(app, course, participant):
    first = lessons_of(course)[0]
    db.session.add(LessonProgress(user_id=participant.id, lesson_id=first.id))
    db.session.commit()
    db.session.add(LessonProgress(user_id=participant.id, lesson_id=first.id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_without_javascript_the_form_posts_and_redirects_back(client, login, course, participant):
    first = lessons_of(course)[0]
    login(participant)
    response = client.post(lesson_url(course, first, "/selesai"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(lesson_url(course, first))
    html = client.get(lesson_url(course, first)).get_data(as_text=True)
    assert "Pelajaran ini sudah selesai" in html and 'value="25"' in html


def test_locked_lesson_is_refused_by_the_server(client, login, course, participant):
    third = lessons_of(course)[2]
    login(participant)
    response = client.post(lesson_url(course, third, "/selesai"), headers=HX)
    assert response.status_code == 409
    assert "terkunci" in response.get_data(as_text=True)
    assert client.post(lesson_url(course, third, "/selesai")).status_code == 409
    page = client.get(lesson_url(course, third))
    assert page.status_code == 409
    assert "Isi pelajaran" not in page.get_data(as_text=True)  # the body is not shown
    assert progress_rows(participant) == 0


def test_lessons_unlock_in_order_across_modules(client, login):
    course = factories.course(lessons=2, modules=2, sequential=True)
    user = factories.user()
    factories.enrollment(user, course)
    db.session.commit()
    lessons = lessons_of(course)
    login(user)
    for lesson in lessons[:2]:
        assert client.post(lesson_url(course, lesson, "/selesai")).status_code == 303
    # the first lesson of module 2 opens once module 1 is done; the one after it stays locked
    assert client.get(lesson_url(course, lessons[2])).status_code == 200
    assert client.get(lesson_url(course, lessons[3])).status_code == 409


def test_non_sequential_course_opens_every_lesson(client, login):
    course = factories.course(lessons=3, sequential=False)
    user = factories.user()
    factories.enrollment(user, course)
    db.session.commit()
    last = lessons_of(course)[2]
    login(user)
    assert client.get(lesson_url(course, last)).status_code == 200
    assert client.post(lesson_url(course, last, "/selesai")).status_code == 303
    assert progress_rows(user) == 1


def test_completing_every_required_lesson_records_completion_time_and_signals(client, login, course, participant,
                                                                               progress_signals):
    login(participant)
    for lesson in lessons_of(course):
        assert client.post(lesson_url(course, lesson, "/selesai"), headers=HX).status_code == 200
    client.post(lesson_url(course, lessons_of(course)[0], "/selesai"), headers=HX)  # again: no new signal
    enrollment = enrollment_of(participant, course)
    assert enrollment.progress_pct == 100
    assert enrollment.completed_at is not None
    assert progress_signals == [enrollment.id] * 4


def test_optional_lessons_neither_lock_nor_count(client, login, course, participant):
    lessons = lessons_of(course)
    lessons[1].required = False
    db.session.commit()
    login(participant)
    client.post(lesson_url(course, lessons[0], "/selesai"))
    # lesson 2 is optional: lesson 3 is open already
    assert client.get(lesson_url(course, lessons[2])).status_code == 200
    assert enrollment_of(participant, course).progress_pct == 33  # 1 of 3 required


def test_quiz_and_assignment_lessons_are_not_marked_done_by_the_button(client, login, course, participant):
    module = course.modules[0]
    assignment = Lesson(module=module, slug="tugas", title="Tugas", kind="assignment", position=5,
                        body="Tulis rencana aksi.")
    db.session.add(assignment)
    quiz_lesson = factories.quiz_lesson(module, position=6)
    db.session.commit()
    login(participant)
    for lesson in lessons_of(course)[:4]:
        client.post(lesson_url(course, lesson, "/selesai"))
    page = client.get(lesson_url(course, assignment)).get_data(as_text=True)
    assert "Tulis rencana aksi." in page and "halaman Tugas" in page and "Tandai selesai" not in page
    assert client.post(lesson_url(course, assignment, "/selesai")).status_code == 409
    # an assignment waits for grading, so it does not lock the quiz after it
    assert client.get(lesson_url(course, quiz_lesson)).status_code == 200
    assert client.post(lesson_url(course, quiz_lesson, "/selesai")).status_code == 409
    assert progress_rows(participant) == 4


def test_complete_lesson_for_other_features(app, course, participant):
    """Grading calls complete_lesson when an assignment is done; it counts towards progress."""
    module = course.modules[0]
    assignment = Lesson(module=module, slug="tugas", title="Tugas", kind="assignment", position=5)
    db.session.add(assignment)
    db.session.flush()
    assert services.complete_lesson(participant, assignment) is True
    assert services.complete_lesson(participant, assignment) is False
    db.session.commit()
    assert progress_rows(participant) == 1
    assert enrollment_of(participant, course).progress_pct == 20  # 1 of 5 required
    outsider = factories.user()
    with pytest.raises(services.NotEnrolled):
        services.complete_lesson(outsider, assignment)


def test_course_remembers_the_last_lesson_opened(client, login):
    course = factories.course(lessons=4, sequential=False)
    user = factories.user()
    factories.enrollment(user, course)
    db.session.commit()
    lessons = lessons_of(course)
    login(user)
    client.get(lesson_url(course, lessons[2]))
    assert enrollment_of(user, course).last_lesson_id == lessons[2].id
    home = client.get("/beranda").get_data(as_text=True)
    assert f'href="{lesson_url(course, lessons[2])}">Lanjutkan belajar' in home
    client.post(lesson_url(course, lessons[2], "/selesai"))
    home = client.get("/beranda").get_data(as_text=True)
    assert f'href="{lesson_url(course, lessons[3])}">Lanjutkan belajar' in home


def test_refresh_progress_recounts_after_content_changes(app, course, participant):
    state = services.course_state(services.load_course(course.slug), participant)
    services.mark_lesson_done(state, lessons_of(course)[0])
    db.session.commit()
    module = course.modules[0]
    module.lessons.append(Lesson(slug="baru", title="Baru", position=9))
    db.session.flush()
    enrollment = enrollment_of(participant, course)
    assert services.refresh_progress(enrollment) == 20


def test_video_lesson_embeds_youtube_with_transcript(client, login):
    course = factories.course(lessons=1, sequential=False)
    lesson = lessons_of(course)[0]
    lesson.kind, lesson.video_url, lesson.body = "video", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "Kata demi kata."
    user = factories.user()
    factories.enrollment(user, course)
    db.session.commit()
    login(user)
    html = client.get(lesson_url(course, lesson)).get_data(as_text=True)
    assert 'src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in html and 'loading="lazy"' in html
    assert "Transkrip" in html and "Kata demi kata." in html


def test_other_video_is_a_link_and_unsafe_urls_are_dropped(client, login):
    course = factories.course(lessons=2, sequential=False)
    first, second = lessons_of(course)
    first.kind, first.video_url = "video", "https://video.example.org/bimtek.mp4"
    second.kind, second.video_url = "video", "javascript:alert(1)"
    user = factories.user()
    factories.enrollment(user, course)
    db.session.commit()
    login(user)
    assert 'href="https://video.example.org/bimtek.mp4"' in client.get(lesson_url(course, first)).get_data(as_text=True)
    assert "javascript:" not in client.get(lesson_url(course, second)).get_data(as_text=True)


def test_lesson_images_are_lazy_and_markdown_is_sanitised(client, login):
    course = factories.course(lessons=1, sequential=False)
    lesson = lessons_of(course)[0]
    lesson.body = "![Gerai](/static/img/logo.svg)\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))"
    user = factories.user()
    factories.enrollment(user, course)
    db.session.commit()
    login(user)
    html = client.get(lesson_url(course, lesson)).get_data(as_text=True)
    assert '<img loading="lazy"' in html
    assert "<script>alert" not in html and 'href="javascript:' not in html
