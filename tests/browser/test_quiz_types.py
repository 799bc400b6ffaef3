"""On a 360 px phone: a numerical question answered with the number pad the Indonesian way (1.548.000) and a
matching question answered row by row; both saved as they are given, kept on reload, graded on sending."""
from kopedu.extensions import db
from kopedu.learning.models import QuizAttempt
from tests import factories
from tests.browser.conftest import log_in
from tests.learning.test_typed_answers import RIGHT, finance_quiz


def test_a_numerical_and_a_matching_question_on_a_phone(page, app):
    course = factories.course(lessons=1, sequential=False)
    quiz = finance_quiz(course)
    user = factories.user(phone="6281234500001", password="rahasia-123")
    factories.enrollment(user, course)
    db.session.commit()
    numerical, matching = quiz.questions

    log_in(page, "081234500001", "rahasia-123")
    page.goto(f"/kuis/{quiz.id}")
    page.get_by_role("button", name="Mulai kuis").click()
    page.wait_for_url("**/kuis/percobaan/*")

    number = page.locator(f"#q-{numerical.id}").get_by_label("Jawaban (angka)")
    assert number.get_attribute("inputmode") == "decimal"  # the phone shows its number pad
    number.fill("12.5")
    number.press("Tab")
    page.locator(f"#saved-{numerical.id}").get_by_text("Angka tidak dikenali").wait_for()  # said, not misread
    number.fill("1.548.000")
    number.press("Tab")
    page.locator(f"#saved-{numerical.id}").get_by_text("Tersimpan").wait_for()

    rows = page.locator(f"#q-{matching.id}")
    for left, right in RIGHT.items():
        rows.get_by_label(left, exact=True).select_option(label=right)
    page.wait_for_function(
        "id => document.querySelector('#saved-' + id).textContent.includes('Tersimpan')", arg=matching.id)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.reload()  # both answers were saved on the server
    assert page.locator(f"#q-{numerical.id}").get_by_label("Jawaban (angka)").input_value() == "1.548.000"
    assert rows.get_by_label("Penyusutan", exact=True).evaluate(
        "el => el.options[el.selectedIndex].text") == RIGHT["Penyusutan"]

    page.get_by_role("button", name="Kirim jawaban").click()
    page.locator("#result").get_by_text("✓ Lulus", exact=True).wait_for()
    assert page.locator(".score strong").inner_text() == "100"
    assert page.get_by_text("Penyusutan → Biaya, bukan kas keluar").is_visible()
    db.session.expire_all()
    assert db.session.query(QuizAttempt).one().score == 100.0
