"""Every page fits a 360 × 740 phone: nothing makes the page scroll sideways.

The bundled course is imported the way `flask kopedu seed-demo` imports it (kopedu.courses.importer), and
every one of its lessons is opened by a participant; then the main pages of each role are opened. A page
is too wide when `document.documentElement.scrollWidth` exceeds the 360 px viewport; the failure names the
elements that stick out, so the fix can go to the stylesheet or the renderer (never to the lesson text).
"""
from datetime import date, time

from sqlalchemy import select

from kopedu.courses.models import Course, Quiz
from kopedu.demo import DEMO_PASSWORD, seed_demo
from kopedu.extensions import db
from tests.browser.conftest import log_in

WIDTH = 360

# The page's width and, when it is too wide, the elements whose right edge passes the viewport
# (deepest first, so the culprit comes before the boxes that merely contain it).
OVERFLOW_JS = """(width) => {
  const doc = document.documentElement;
  const out = [];
  if (doc.scrollWidth > width) {
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.right > width + 0.5 && r.width > 0) {
        const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
          (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
        out.push(name + ' right=' + Math.round(r.right) + ' "' + (el.textContent || '').trim().slice(0, 40) + '"');
      }
    }
  }
  return {scrollWidth: doc.scrollWidth, offenders: out.reverse().slice(0, 6)};
}"""


def too_wide(page, label: str) -> str | None:
    result = page.evaluate(OVERFLOW_JS, WIDTH)
    if result["scrollWidth"] <= WIDTH:
        return None
    return f"{label}: scrollWidth {result['scrollWidth']} > {WIDTH}; " + "; ".join(result["offenders"])


def bundled_course() -> Course:
    seed_demo()  # imports content/courses/* with the course importer, enrols the demo participants
    course = db.session.scalar(select(Course).where(Course.slug == "penguatan-kapasitas-pengurus-kmp"))
    # Open every lesson without working through the course first: the lesson pages are the same,
    # only the outline shows no padlocks.
    course.sequential = False
    db.session.commit()
    return course


def test_every_bundled_lesson_fits_a_360px_phone(page, app):
    course = bundled_course()
    lessons = [(lesson.id, lesson.title) for module in course.modules for lesson in module.lessons
               if lesson.published]
    assert len(lessons) >= 25, "the bundled course is there"
    log_in(page, "081200000001", DEMO_PASSWORD)
    problems = []
    for lesson_id, title in lessons:
        response = page.goto(f"/kursus/{course.slug}/pelajaran/{lesson_id}")
        assert response.status == 200, (title, response.status)
        assert page.locator("main h1").count() > 0, title  # the lesson really rendered
        problems.append(too_wide(page, f"lesson {lesson_id} {title!r}"))
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


def role_pages_data(app) -> dict:
    """The demo data plus what makes each role's pages full: a cohort of the bundled course with a
    session, the pre-test done, a module quiz half answered, the assignment sent, one quiz graded."""
    import io

    from werkzeug.datastructures import FileStorage

    from kopedu.auth.models import User
    from kopedu.cohorts.models import Cohort, CohortSession
    from kopedu.courses.models import Assignment
    from kopedu.grading import services as grading
    from kopedu.learning import services as learning
    from kopedu.learning.models import Enrollment

    course = bundled_course()
    users = {u.phone: u for u in db.session.scalars(select(User))}
    trainer, participant = users["6281100000002"], users["6281200000001"]
    cohort = Cohort(course=course, code="KPG-2026-01", name="Angkatan I Kota Kupang 2026",
                    venue="Aula Dinas Koperasi dan UKM Kota Kupang", region_code="5371",
                    starts_on=date(2026, 11, 11), ends_on=date(2026, 11, 15))
    cohort.trainers = [trainer]
    db.session.add(cohort)
    session = CohortSession(cohort=cohort, held_on=date(2026, 11, 11), starts_at=time(8, 0), ends_at=time(12, 0),
                            topic="Modul 1 — Dasar perkoperasian dan prinsip koperasi", checkin_code="246810")
    db.session.add(session)
    for enrollment in db.session.scalars(select(Enrollment).where(Enrollment.course_id == course.id)):
        enrollment.cohort = cohort
    db.session.flush()

    state = learning.course_state(learning.load_course(course.slug), participant)
    # The outline is the per-process cache (detached); the attempts take the quizzes of this session.
    pretest = db.session.get(Quiz, state.pretest.id)
    attempt = learning.start_attempt(state, pretest)
    learning.submit_attempt(attempt, {})
    quiz_lesson = next(lesson for lesson in state.lessons if lesson.kind == "quiz")
    open_attempt = learning.start_attempt(state, db.session.get(Quiz, quiz_lesson.quiz.id))
    assignment = db.session.scalar(select(Assignment).where(Assignment.lesson_id.in_(
        [lesson.id for lesson in state.lessons])))
    png = io.BytesIO(bytes.fromhex(
        "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002"
        "000154a24f5d0000000049454e44ae426082"))
    version = grading.submit(assignment, state.enrollment,
                             text="Rencana bisnis toko sembako Koperasi Kelurahan Merah Putih Oebufu: modal awal "
                                  "Rp10.000.000 dari simpanan anggota, penjualan Rp1.200.000 per minggu.",
                             files=[FileStorage(png, filename="bagan-usaha.png")],
                             upload_dir=app.config["UPLOAD_DIR"])
    db.session.commit()
    wide = next(lesson for lesson in state.lessons if "\n|" in (db.session.get(type(lesson), lesson.id).body or ""))  # has a table
    return {"wide_lesson_id": wide.id, "course": course, "cohort": cohort, "session": session, "participant": participant,
            "pretest_attempt": attempt, "open_attempt": open_attempt, "assignment": assignment,
            "submission": version.submission, "users": users}


def test_the_main_pages_of_each_role_fit_a_360px_phone(browser, live_server, app):
    data = role_pages_data(app)
    course, cohort, session = data["course"], data["cohort"], data["session"]
    participant = data["participant"]
    village = participant.cooperative.village
    pages = {
        None: ["/masuk", "/verifikasi", "/tidak-ada"],
        "081200000001": [
            "/beranda", "/kursus", f"/kursus/{course.slug}", f"/kuis/{data['pretest_attempt'].quiz_id}",
            f"/kuis/percobaan/{data['pretest_attempt'].id}", f"/kuis/percobaan/{data['open_attempt'].id}",
            "/tugas", f"/tugas/{data['assignment'].lesson_id}", "/hadir", "/akun/kata-sandi"],
        "081100000002": [
            "/beranda", "/penilaian", f"/penilaian/{data['submission'].id}", f"/penilaian/kursus/{course.id}",
            "/angkatan", f"/angkatan/{cohort.id}", f"/angkatan/{cohort.id}/sesi/{session.id}",
            f"/kursus/{course.slug}/pre-post", "/kelola/", f"/kelola/kursus/{course.id}",
            f"/kelola/tugas/{data['assignment'].id}", "/sertifikat", f"/sertifikat/kursus/{course.id}",
            f"/sertifikat/kursus/{course.id}/aturan", "/pantau/", f"/angkatan/{cohort.id}/sesi/baru",
            f"/kelola/pelajaran/{data['wide_lesson_id']}", f"/kelola/kuis/{data['pretest_attempt'].quiz_id}"],
        "081100000003": [
            "/pantau/", f"/pantau/wilayah/{village.parent_code}", f"/pantau/wilayah/{village.code}",
            f"/pantau/wilayah/{village.parent_code}/tertinggal", f"/pantau/koperasi/{participant.cooperative_id}",
            f"/pantau/peserta/{participant.id}"],
        "081100000001": [
            "/admin/pengguna", "/admin/pengguna/baru", f"/admin/pengguna/{participant.id}", "/angkatan/baru",
            "/pantau/", "/pantau/wilayah/5371", "/admin/sertifikat/templat", f"/angkatan/{cohort.id}/impor"],
    }
    problems = []
    for login, urls in pages.items():
        context = browser.new_context(viewport={"width": WIDTH, "height": 740}, locale="id-ID", base_url=live_server)
        page = context.new_page()
        page.set_default_timeout(10_000)
        if login:
            log_in(page, login, DEMO_PASSWORD)
        for url in urls:
            response = page.goto(url)
            assert response.status == (404 if url == "/tidak-ada" else 200), (login, url, response.status)
            problems.append(too_wide(page, f"{login or 'anonymous'} {url}"))
        context.close()
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)
