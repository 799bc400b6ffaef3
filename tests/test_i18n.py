"""The English catalogue: complete, no fuzzy entries, placeholders kept, up to date with the code; pages in
English when the person chose English and in Indonesian by default; dates and rupiah in each locale's way.

The .mo files are not in git (`make translations` compiles them). The session fixture below compiles a
missing or outdated one in-process, so `pytest` alone also works.
"""
import re
import shlex
from datetime import date, datetime
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import render_template_string
from flask_babel import force_locale

from kopedu.extensions import db
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "kopedu" / "translations"
EN_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"

# %(name)s and the like, %s/%d, %% (Jinja's newstyle gettext always %-formats, so templates write %%), and
# literal {name} tokens (the certificate number format, GIFT syntax) that must survive translation.
PLACEHOLDER = re.compile(r"%\(\w+\)[#0+-]?\d*(?:\.\d+)?[sdifr]|%[sd]|%%|\{[\w:]+\}")


def _read(po: Path, locale: str | None = None):
    with po.open("rb") as f:
        return read_po(f, locale=locale or po.parent.parent.name)


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues():
    """Compile every catalogue whose .mo is missing or older than its .po (what `make translations` does)."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        tmp = mo.with_name(mo.name + ".tmp")
        with tmp.open("wb") as f:
            write_mo(f, _read(po))
        tmp.replace(mo)


@pytest.fixture(scope="module")
def catalogue():
    return _read(EN_PO)


def _messages(catalogue):
    return [m for m in catalogue if m.id]


# --------------------------------------------------------------------------------------------- catalogue

def test_every_message_is_translated_and_none_is_fuzzy(catalogue):
    messages = _messages(catalogue)
    assert len(messages) > 800
    untranslated = [m.id for m in messages if not m.string or (isinstance(m.string, tuple) and not all(m.string))]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert not untranslated, f"untranslated in {EN_PO.name}: {untranslated}"
    assert not fuzzy, f"fuzzy in {EN_PO.name}: {fuzzy}"


def test_translations_keep_every_placeholder(catalogue):
    wrong = []
    for m in _messages(catalogue):
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for msgid, msgstr in zip(ids * len(strings), strings):
            if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(msgstr)):
                wrong.append((msgid, msgstr))
    assert not wrong, "\n".join(f"{a!r} -> {b!r}" for a, b in wrong)


def test_babel_finds_no_format_errors(catalogue):
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalogue.check()]
    assert not problems, problems


def _makefile_extract_args(output: Path) -> list[str]:
    """The `pybabel extract` command of the Makefile's extract-messages target, writing to `output`."""
    text = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    line = next(line for line in text.splitlines() if "pybabel extract" in line)
    args = shlex.split(line)
    args = args[args.index("extract"):]
    at = args.index("-o")
    args[at + 1] = str(output)
    return args


def test_catalogue_has_every_message_of_the_code(catalogue, tmp_path, monkeypatch):
    """Extract as `make extract-messages` does; every message found must be translated in the en catalogue.
    A failure lists what is new: run `make extract-messages`, then translate it in messages.po."""
    pot = tmp_path / "messages.pot"
    monkeypatch.chdir(ROOT)
    CommandLineInterface().run(["pybabel", "-q", *_makefile_extract_args(pot)])
    with pot.open("rb") as f:
        extracted = read_po(f)
    have = {(m.context, m.id) for m in _messages(catalogue) if m.string}
    missing = sorted(((m.context or "", str(m.id)) for m in _messages(extracted)
                      if (m.context, m.id) not in have))
    assert not missing, "not translated in kopedu/translations/en/LC_MESSAGES/messages.po:\n" + "\n".join(
        f"  {ctx + ': ' if ctx else ''}{msgid!r}" for ctx, msgid in missing)
    # templates/_macros is extracted too (pybabel skips "_" directories unless told otherwise)
    assert any("templates/_macros/forms.html" in path for m in _messages(extracted) for path, _ in m.locations)


# --------------------------------------------------------------------------------------------- pages

def _english(client):
    client.post("/bahasa", data={"lang": "en"})
    return client


def test_login_page_is_indonesian_by_default(client):
    html = client.get("/masuk").get_data(as_text=True)
    assert 'lang="id"' in html
    assert "Masuk ke KopEdu" in html and "Kata sandi" in html
    assert "Log in" not in html


def test_login_page_in_english(client):
    html = _english(client).get("/masuk").get_data(as_text=True)
    assert 'lang="en"' in html
    assert "Log in to KopEdu" in html and "Log in" in html and "Password" in html
    assert "Masuk ke KopEdu" not in html and "Kata sandi" not in html
    assert "Bahasa Indonesia" in html  # the way back


def test_failed_login_message_in_english(client):
    factories.user(phone="6281311112222")
    db.session.commit()
    response = _english(client).post("/masuk", data={"login": "081311112222", "password": "salah-sekali"})
    html = response.get_data(as_text=True)
    assert "Wrong mobile number/email or password." in html


def test_dashboard_in_indonesian_by_default(client, login):
    login(factories.user(full_name="Yuliana Ndun"))
    html = client.get("/beranda").get_data(as_text=True)
    assert "Halo, Yuliana Ndun" in html
    for word in ("Beranda", "Kursus", "Keluar", "Presensi"):
        assert f">{word}<" in html


def test_dashboard_in_english(client, login):
    course = factories.course(title="Penguatan Kapasitas Pengurus KMP")
    user = factories.user(full_name="Yuliana Ndun")
    factories.enrollment(user, course)
    login(user)
    _english(client)
    html = client.get("/beranda").get_data(as_text=True)
    assert 'lang="en"' in html
    assert "Hello, Yuliana Ndun" in html and "My courses" in html
    for word in ("Home", "Courses", "Attendance", "Assignments", "Account", "Log out"):
        assert f">{word}<" in html
    assert "Penguatan Kapasitas Pengurus KMP" in html  # data stays as it is
    for word in ("Beranda", "Keluar", "Kursus saya", "Halo,"):
        assert word not in html


def test_choice_of_english_is_kept_on_the_account(client, login):
    user = factories.user()
    login(user)
    _english(client)
    db.session.refresh(user)
    assert user.locale == "en"
    client.post("/keluar")
    login(user)  # a new session: the account's choice applies again
    assert ">Log out<" in client.get("/beranda").get_data(as_text=True)


def test_error_page_in_english(client):
    html = _english(client).get("/tidak-ada").get_data(as_text=True)
    assert "Page not found." in html


def test_gift_import_errors_in_both_languages(client, login):
    """The GIFT parser's messages are Indonesian; the preview shows them in the person's language."""
    course = factories.course()
    quiz = factories.quiz(course)
    trainer = factories.trainer_of(course)
    login(trainer)
    text = "::A:: Apa itu SHU? {=Sisa hasil usaha ~Simpanan\n\n::B:: Soal tanpa jawaban\n\n::C:: Bobot {~%150%a ~%-50%b}"
    url = f"/kelola/kuis/{quiz.id}/impor"
    html = client.post(url, data={"gift_text": text, "action": "preview"}).get_data(as_text=True)
    assert "Blok jawaban tidak ditutup dengan }" in html
    assert "Bobot harus antara -100% dan 100%, tertulis 150%" in html
    html = _english(client).post(url, data={"gift_text": text, "action": "preview"}).get_data(as_text=True)
    assert "Answer block not closed with }" in html
    assert "Weight must be between -100% and 100%, found 150%" in html


def test_gift_messages_match_the_parser(app):
    from kopedu.courses import gift
    from kopedu.courses.quiz_services import GIFT_MESSAGES, gift_error_message

    assert set(GIFT_MESSAGES) == set(gift.MESSAGES)
    params = {"weight": "150", "total": "90", "lower": "33.33333", "upper": "40", "answer": "{true}"}
    with app.test_request_context():
        for code, text in gift.MESSAGES.items():
            used = {k: v for k, v in params.items() if "{" + k + "}" in text}
            error = gift.ParseError(line=1, message=gift.format_message(code, used), code=code, params=used)
            assert gift_error_message(error) == error.message  # Indonesian: the parser's own text
            with force_locale("en"):
                english = gift_error_message(error)
            assert english != error.message and all(v in english for v in used.values())


# --------------------------------------------------------------------------------------------- formats

def test_dates_and_rupiah_the_indonesian_way(app):
    from kopedu.web.filters import date_long, datetime_short, number, rupiah

    with app.test_request_context():
        assert date_long(date(2026, 11, 18)) == "18 November 2026"
        assert date_long(date(2026, 8, 17)) == "17 Agustus 2026"
        assert datetime_short(datetime(2026, 8, 17, 6, 5)) == "17 Agu 2026 14.05"  # UTC shown in WITA
        assert rupiah(1_500_000) == "Rp1.500.000"
        assert number(1234.5, 1) == "1.234,5"
        assert render_template_string("{{ 1500000|rupiah }} · {{ d|date_long }}", d=date(2026, 11, 18)) == \
            "Rp1.500.000 · 18 November 2026"


def test_dates_and_rupiah_the_english_way(app):
    from kopedu.web.filters import date_long, datetime_short, number, rupiah

    with app.test_request_context(), force_locale("en"):
        assert date_long(date(2026, 11, 18)) == "18 November 2026"
        assert date_long(date(2026, 8, 17)) == "17 August 2026"
        assert datetime_short(datetime(2026, 8, 17, 6, 5)) == "17 Aug 2026 14.05"
        assert rupiah(1_500_000) == "Rp 1,500,000"
        assert number(1234.5, 1) == "1,234.5"
        assert render_template_string("{{ 1500000|rupiah }} · {{ d|date_long }}", d=date(2026, 8, 17)) == \
            "Rp 1,500,000 · 17 August 2026"

