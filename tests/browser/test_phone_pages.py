"""What a participant sees on a phone: the arrows of <details>, a boosted link to a missing page."""
from kopedu.extensions import db
from tests import factories
from tests.browser.conftest import log_in

ARROW_JS = """(summary) => {
  const marker = getComputedStyle(summary).display === 'list-item' && getComputedStyle(summary).listStyleType !== 'none';
  const before = getComputedStyle(summary, '::before');
  return {marker, content: before.content, width: parseFloat(before.width) || 0, transform: before.transform};
}"""


def _participant_in_a_course():
    course = factories.course(title="Dasar Perkoperasian", description="Tentang koperasi.")
    user = factories.user(phone="6281377770001")
    factories.enrollment(user, course)
    db.session.commit()
    return course


def test_details_summaries_show_an_arrow_that_turns_when_opened(page, app):
    course = _participant_in_a_course()
    log_in(page, "081377770001", factories.PASSWORD)
    for url in (f"/kursus/{course.slug}", f"/kursus/{course.slug}/pelajaran/{course.modules[0].lessons[0].id}"):
        page.goto(url)
        summary = page.locator("details.card > summary").first
        if summary.locator("xpath=..").get_attribute("open") is not None:
            summary.click()  # start closed
        closed = summary.evaluate(ARROW_JS)
        assert closed["marker"] or (closed["content"] not in ("none", "normal") and closed["width"] > 0), (url, closed)
        summary.click()
        page.wait_for_timeout(400)  # the arrow turns in 0.15 s
        opened = summary.evaluate(ARROW_JS)
        assert opened["marker"] or opened["transform"] != closed["transform"], (url, closed, opened)


def test_a_boosted_link_to_a_missing_page_shows_the_whole_error_page(page, app):
    _participant_in_a_course()
    log_in(page, "081377770001", factories.PASSWORD)
    page.evaluate("""() => { const a = document.createElement('a'); a.href = '/kursus/sudah-dihapus';
                     a.textContent = 'Kursus lama'; document.querySelector('main').append(a); htmx.process(a); }""")
    page.evaluate("window.__marker = 1")
    page.get_by_role("link", name="Kursus lama").click()
    page.get_by_text("Halaman tidak ditemukan.").wait_for()
    assert page.evaluate("window.__marker") == 1  # htmx swapped it (a boosted link)
    assert page.locator("header.top").count() == 1  # the menu is there, once
    assert page.locator("main#main").count() == 1
    assert page.get_by_role("link", name="Kembali ke beranda").is_visible()
    assert page.title().startswith("404")


def test_rubric_score_tables_line_up(page, app):
    from kopedu.grading import services as grading

    course = factories.course(title="Rencana Bisnis")
    assignment = factories.assignment(course)
    trainer = factories.trainer_of(course)
    user = factories.user(phone="6281377770002")
    enrollment = factories.enrollment(user, course)
    version = grading.submit(assignment, enrollment, text="Toko sembako koperasi.", files=[],
                             upload_dir=app.config["UPLOAD_DIR"])
    grading.grade(version.submission, trainer, version_number=1, outcome="perlu_revisi", feedback="Tambah data.",
                  levels={c.id: c.levels[1]["points"] for c in assignment.criteria})
    db.session.commit()
    log_in(page, "081377770002", factories.PASSWORD)
    page.goto(f"/tugas/{assignment.lesson_id}")
    table = page.locator("table.scores").first
    heads = [cell.bounding_box() for cell in table.locator("thead th").all()]
    rows = table.locator("tbody tr").all()
    assert len(heads) == 2 and len(rows) == 2
    for row in rows:
        cells = [cell.bounding_box() for cell in row.locator("td").all()]
        assert [round(c["x"]) for c in cells] == [round(h["x"]) for h in heads]  # same columns as the header
        assert cells[0]["width"] > 2 * cells[1]["width"]  # the criterion gets the room, the points are narrow
    assert table.locator("tbody td").nth(1).inner_text() == "2/4"


def test_the_one_attempt_pretest_asks_before_sending_blank_questions(page, app):
    course = factories.course(title="Dasar Perkoperasian", sequential=False)
    pretest = factories.quiz(course, role="pretest", pass_mark=0, attempts_allowed=1, title="Pre-test")
    user = factories.user(phone="6281377770003")
    factories.enrollment(user, course)
    db.session.commit()
    log_in(page, "081377770003", factories.PASSWORD)
    page.goto(f"/kuis/{pretest.id}")
    page.get_by_role("button", name="Mulai kuis").click()
    page.wait_for_url("**/kuis/percobaan/*")
    first = page.locator(f"#q-{pretest.questions[0].id}")
    first.get_by_label("Rapat Anggota", exact=True).check()
    first.locator(".saved").get_by_text("Tersimpan").wait_for()
    page.get_by_role("button", name="Kirim jawaban").click()

    box = page.locator("#konfirmasi")
    box.get_by_text("3 soal belum dijawab").wait_for()
    assert box.is_visible() and page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.locator("fieldset.unanswered").count() == 3
    assert first.get_by_label("Rapat Anggota", exact=True).is_checked()  # nothing lost
    box.get_by_role("button", name="Ya, kirim sekarang").click()
    page.get_by_text("Ini nilai pre-test Anda").wait_for()
    assert page.locator(".score strong").inner_text() == "25"


def test_a_file_link_in_a_lesson_opens_the_file_not_a_swapped_page(page, app):
    course = _participant_in_a_course()
    lesson = course.modules[0].lessons[0]
    lesson.body = "Unduh [lembar kerja](/static/img/logo.svg) lalu isi.\n\nBaca juga [pelajaran berikutnya](/beranda)."
    db.session.commit()
    log_in(page, "081377770001", factories.PASSWORD)
    page.goto(f"/kursus/{course.slug}/pelajaran/{lesson.id}")
    page.evaluate("window.__marker = 1")
    page.get_by_role("link", name="lembar kerja").click()
    page.wait_for_url("**/static/img/logo.svg")
    assert page.evaluate("window.__marker === undefined")  # the browser opened the file itself
    assert page.evaluate("document.documentElement.tagName") == "svg"


def test_long_code_lines_urls_and_wide_tables_stay_inside_a_360px_phone(page, app):
    course = _participant_in_a_course()
    lesson = course.modules[0].lessons[0]
    lesson.body = (
        "Alamat: https://sistem-informasi-koperasi.example.go.id/laporan/tahunan/2025/koperasi-kelurahan-merah-putih-oebufu\n\n"
        "```\n" + "SALDO_AWAL=1500000;PENJUALAN_TUNAI=850000;SIMPANAN_WAJIB=200000;" * 4 + "\n```\n\n"
        "| " + " | ".join(f"Kolom {i}" for i in range(9)) + " |\n|" + "---|" * 9 + "\n| "
        + " | ".join("Rp1.200.000" for _ in range(9)) + " |\n")
    db.session.commit()
    log_in(page, "081377770001", factories.PASSWORD)
    page.goto(f"/kursus/{course.slug}/pelajaran/{lesson.id}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    code = page.locator(".prose pre")
    assert code.evaluate("el => el.scrollWidth > el.clientWidth")  # the code block scrolls by itself
