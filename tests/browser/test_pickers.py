"""The searchable pickers, in the browser: each offers at most PICK_LIMIT accounts (or cooperatives) and a
search box of its own form that finds the others without losing what is already chosen.

- the cohort form's trainer checkboxes (templates/cohorts/form.html, kopedu.cohorts.routes._cohort_form);
- the course editor's trainer panel (templates/authoring/course.html, kopedu.courses.trainer_routes);
- the account form's cooperative select (templates/admin/user_form.html, kopedu.auth.admin._user_form).
"""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from kopedu.auth.models import User
from kopedu.auth.services import PICK_LIMIT
from kopedu.cohorts.models import Cohort
from kopedu.courses.models import course_trainer
from kopedu.extensions import db
from kopedu.regions.services import PICK_LIMIT as COOP_PICK_LIMIT
from tests import factories
from tests.browser.conftest import log_in


def _login_name(user) -> str:
    return "0" + user.phone[2:]


def _admin():
    return factories.user("admin", full_name="Admin Nasional")


def test_cohort_form_trainer_search_keeps_the_ticked_trainer(page):
    factories.kupang_regions()
    course = factories.course(title="Penguatan Kapasitas Pengurus")
    admin = _admin()
    ticked = factories.user("trainer", full_name="Agustina Bire")
    for n in range(1, 24):  # with Agustina: 24 active trainers, more than the picker shows
        factories.user("trainer", full_name=f"Pelatih Kupang {n:02d}")
    found = factories.user("trainer", full_name="Yohanes Ratu")  # last by name: not offered at first
    factories.user("trainer", full_name="Yohanes Lama", active=False)  # inactive: never offered
    db.session.commit()

    log_in(page, _login_name(admin), factories.PASSWORD)
    page.goto("/angkatan/baru")
    options = page.locator("#trainer-options input[name=trainer_ids]")
    expect(options).to_have_count(PICK_LIMIT)
    for i in range(PICK_LIMIT):
        expect(options.nth(i)).not_to_be_checked()
    expect(page.get_by_role("checkbox", name="Yohanes Ratu")).to_have_count(0)
    expect(page.get_by_role("checkbox", name="Yohanes Lama")).to_have_count(0)

    page.evaluate("window.__noReload = 1")
    page.get_by_label("Nama angkatan").fill("Angkatan I Kota Kupang")
    page.get_by_role("checkbox", name="Agustina Bire").check()
    search = page.get_by_role("searchbox", name="Cari akun pelatih")
    search.fill("yohanes")
    search.press("Enter")  # searches (its own form), does not save the cohort

    expect(page.locator("#trainer-options label")).to_have_count(2)
    expect(options).to_have_count(2)
    expect(page.get_by_role("checkbox", name="Agustina Bire")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Yohanes Ratu")).not_to_be_checked()
    expect(page.get_by_role("checkbox", name="Yohanes Lama")).to_have_count(0)
    # the rest of the form is untouched, and nothing was saved or reloaded
    expect(page.get_by_label("Nama angkatan")).to_have_value("Angkatan I Kota Kupang")
    expect(search).to_have_value("yohanes")
    assert page.url.endswith("/angkatan/baru")
    assert page.evaluate("window.__noReload") == 1
    assert db.session.scalar(select(Cohort.id)) is None
    db.session.commit()  # end the test's read transaction

    page.get_by_role("checkbox", name="Yohanes Ratu").check()
    page.get_by_label("Kursus", exact=True).select_option(label="Penguatan Kapasitas Pengurus")
    page.get_by_label("Kode angkatan").fill("KPG-2026-9")
    page.get_by_label("Wilayah: kode BPS atau nama").fill("5371")
    page.get_by_role("button", name="Simpan").click()
    page.wait_for_url(re.compile(r"/angkatan/\d+$"))
    page.get_by_text("Angkatan sudah dibuat: Angkatan I Kota Kupang.").wait_for()

    db.session.expire_all()
    cohort = db.session.scalar(select(Cohort).where(Cohort.code == "KPG-2026-9"))
    assert cohort is not None
    assert cohort.name == "Angkatan I Kota Kupang"
    assert cohort.course_id == course.id
    assert cohort.region_code == "5371"
    assert sorted(t.id for t in cohort.trainers) == sorted([ticked.id, found.id])


def test_course_editor_adds_and_removes_one_trainer(page):
    course = factories.course(title="Penguatan Kapasitas Pengurus")
    admin = _admin()
    kept = factories.trainer_of(course, full_name="Agustina Bire")
    removed = factories.trainer_of(course, full_name="Maria Goreti Seran")
    for n in range(1, 23):
        factories.user("trainer", full_name=f"Pelatih Cadangan {n:02d}")
    added = factories.user("trainer", full_name="Yohanes Ratu")  # last by name: not offered at first
    db.session.commit()

    log_in(page, _login_name(admin), factories.PASSWORD)
    page.goto(f"/kelola/kursus/{course.id}")
    panel = page.locator("#trainers #trainer-panel")
    add_buttons = panel.get_by_role("button", name=re.compile(r"^Tambah "))
    remove_buttons = panel.get_by_role("button", name=re.compile(r"^Lepas "))
    expect(panel.get_by_text("2 pelatih", exact=True)).to_be_visible()
    expect(remove_buttons).to_have_count(2)
    expect(add_buttons).to_have_count(PICK_LIMIT)  # 23 candidates, a page of them
    expect(panel.get_by_role("button", name="Tambah Yohanes Ratu")).to_have_count(0)
    expect(panel.get_by_role("button", name="Tambah Agustina Bire")).to_have_count(0)  # already on the course

    page.evaluate("window.__noReload = 1")
    search = panel.get_by_role("searchbox", name="Cari akun pelatih")
    search.fill("yohanes")
    search.press("Enter")
    expect(add_buttons).to_have_count(1)
    expect(panel.get_by_role("button", name="Tambah Yohanes Ratu")).to_be_visible()
    panel.get_by_role("button", name="Tambah Yohanes Ratu").click()

    expect(panel.get_by_text("Yohanes Ratu sekarang pelatih kursus ini.")).to_be_visible()
    expect(panel.get_by_text("3 pelatih", exact=True)).to_be_visible()
    expect(panel.get_by_role("button", name="Lepas Yohanes Ratu")).to_be_visible()
    expect(remove_buttons).to_have_count(3)
    expect(panel.get_by_role("button", name="Tambah Yohanes Ratu")).to_have_count(0)
    assert page.evaluate("window.__noReload") == 1

    panel.get_by_role("button", name="Lepas Maria Goreti Seran").click()
    expect(panel.get_by_text("Pelatih sudah dilepas dari kursus ini.")).to_be_visible()
    expect(panel.get_by_text("2 pelatih", exact=True)).to_be_visible()
    expect(panel.get_by_role("button", name="Lepas Maria Goreti Seran")).to_have_count(0)
    expect(remove_buttons).to_have_count(2)
    expect(panel.get_by_role("button", name="Lepas Agustina Bire")).to_be_visible()
    expect(panel.get_by_role("button", name="Lepas Yohanes Ratu")).to_be_visible()
    # the "Tambah pelatih" search is kept across the removal (it still says "yohanes")
    expect(panel.get_by_role("searchbox", name="Cari akun pelatih")).to_have_value("yohanes")
    panel.get_by_role("searchbox", name="Cari akun pelatih").fill("maria")
    panel.get_by_role("searchbox", name="Cari akun pelatih").press("Enter")
    expect(panel.get_by_role("button", name="Tambah Maria Goreti Seran")).to_be_visible()  # a candidate again
    assert page.evaluate("window.__noReload") == 1
    assert page.url.endswith(f"/kelola/kursus/{course.id}")

    rows = set(db.session.scalars(select(course_trainer.c.user_id).where(course_trainer.c.course_id == course.id)))
    assert rows == {kept.id, added.id}
    assert removed.id not in rows


def test_user_form_cooperative_search(page):
    factories.kupang_regions()
    admin = _admin()
    villages = [code for code, _name, level, _parent in factories.KUPANG if level == "kelurahan_desa"]
    for n in range(1, 25):  # 24 cooperatives named "Koperasi Merah Putih …", more than the select offers
        factories.cooperative(villages[n % len(villages)], name=f"Koperasi Merah Putih {n:02d}")
    factories.cooperative("5371030011", name="Koperasi Harapan Oebufu")  # first by name
    wanted = factories.cooperative("5371020002", name="Koperasi Tenun Ikat Sikumana")  # last: not offered
    db.session.commit()

    log_in(page, _login_name(admin), factories.PASSWORD)
    page.goto("/admin/pengguna/baru")
    select_box = page.get_by_label("Koperasi", exact=True)
    options = select_box.locator("option")
    expect(options).to_have_count(1 + COOP_PICK_LIMIT)
    expect(options.first).to_have_text("—")
    expect(select_box).to_have_value("")
    expect(options.filter(has_text="Tenun Ikat")).to_have_count(0)
    expect(options.filter(has_text="Koperasi Harapan Oebufu")).to_have_count(1)

    page.evaluate("window.__noReload = 1")
    page.get_by_label("Nama lengkap").fill("Yuliana Ndun")
    search = page.get_by_role("searchbox", name="Cari koperasi")
    search.fill("tenun")
    search.press("Enter")  # searches (its own form), does not save the account
    expect(options).to_have_count(2)
    expect(options.nth(0)).to_have_text("—")
    expect(options.nth(1)).to_have_text("Koperasi Tenun Ikat Sikumana · Sikumana")
    expect(select_box).to_have_value("")
    expect(page.get_by_label("Nama lengkap")).to_have_value("Yuliana Ndun")
    assert page.evaluate("window.__noReload") == 1
    assert db.session.scalar(select(User.id).where(User.full_name == "Yuliana Ndun")) is None
    db.session.commit()  # end the test's read transaction

    select_box.select_option(label="Koperasi Tenun Ikat Sikumana · Sikumana")
    # the chosen cooperative goes with the next search and stays chosen (and offered)
    search.fill("merah putih 0")
    search.press("Enter")
    expect(options).to_have_count(1 + 1 + 9)  # —, the chosen one, "Merah Putih 01" … "09"
    expect(options.nth(1)).to_have_text("Koperasi Tenun Ikat Sikumana · Sikumana")
    expect(options.filter(has_text="Koperasi Harapan Oebufu")).to_have_count(0)
    expect(select_box).to_have_value(str(wanted.id))

    page.get_by_label("Nomor HP", exact=True).fill("0857-3900-1122")
    page.get_by_label("Peran").select_option("participant")
    page.get_by_label("Kata sandi awal").fill("rahasia123")
    page.get_by_role("button", name="Simpan").click()
    page.wait_for_url(re.compile(r"/admin/pengguna$"))
    page.get_by_text("Akun Yuliana Ndun sudah dibuat.").wait_for()

    db.session.expire_all()
    account = db.session.scalar(select(User).where(User.full_name == "Yuliana Ndun"))
    assert account is not None
    assert account.role == "participant"
    assert account.phone == "6285739001122"
    assert account.cooperative_id == wanted.id
