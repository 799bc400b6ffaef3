"""Kawal sama-sama: a passed workbook becomes the cooperative's plan; the monthly check-in (applied once,
corrected not doubled, bad amounts refused); flags in plain words; the region's list sorted by need and
keyset-paged; notes with author and date; the WhatsApp link; exports and access by region."""
import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from kopedu.extensions import db
from kopedu.plans import checkins
from kopedu.plans.kawal_models import Checkin, KawalNote, KawalPlan
from tests import factories
from tests.grading import samples
from tests.plans.kawal_world import passed_plan


@pytest.fixture
def world(app, regions):
    participant, plan, trainer = passed_plan()
    colleague = factories.user(full_name="Sekretaris Oebufu", cooperative_id=participant.cooperative_id)
    stranger = factories.user(full_name="Fransiska Kase", cooperative_id=factories.cooperative("5371020002").id)
    observer = factories.user("observer", full_name="Paulus Nenobais", region_code="5371030")
    observer_other = factories.user("observer", full_name="Camat Maulafa", region_code="5371020")
    db.session.commit()
    kplan = db.session.scalar(select(KawalPlan))
    return dict(participant=participant, plan=plan, trainer=trainer, colleague=colleague, stranger=stranger,
                observer=observer, observer_other=observer_other, kplan=kplan)


def report(client, **values):
    data = {"sales": "50.000.000", "costs": "48.000.000", "cash": "5.000.000", "note": "",
            "status-0": "selesai", "status-1": "berjalan", "status-2": "belum"} | values
    return client.post("/kawal/lapor", data=data)


def test_a_passed_workbook_becomes_the_cooperatives_plan_with_the_calculators_figures(world):
    kplan = world["kplan"]
    assert kplan is not None and kplan.cooperative_id == world["participant"].cooperative_id
    assert kplan.village_code == "5371030011" and kplan.plan_id == world["plan"].id
    s = kplan.snapshot
    # hand-worked (module 6, Oebufu): sales 59.400.000; cash out in month 1 = HPP 52.272.000 + cash costs
    # 4.400.000 + instalment 1.180.000 = 57.852.000; kas akhir month 1 = 4.000.000 + 59.400.000 − 57.852.000
    assert s["instalment"] == "1180000"
    assert s["sales"][0] == "59400000" and s["costs"][0] == "57852000" and s["cash_end"][0] == "5548000"
    assert s["cash_end"][11] == "22576000"
    assert [a["due"] for a in s["actions"]] == [1, 2, 3]  # "Bulan 1", "Minggu 5-8", "Bulan ke-3"
    assert kplan.start_month == checkins.month_start(checkins.today())


def test_due_month_reads_the_action_plans_time_as_typed():
    assert checkins.due_month("Bulan 2") == 2
    assert checkins.due_month("bulan ke-3") == 3
    assert checkins.due_month("Minggu 1-2") == 1
    assert checkins.due_month("minggu ke 9") == 3
    assert checkins.due_month("bulan pertama") == 1
    assert checkins.due_month("segera") == 3


def test_the_monthly_checkin_is_saved_corrected_not_doubled_and_applied_once(client, login, world):
    login(world["participant"])
    page = client.get("/kawal").get_data(as_text=True)
    assert "Belum lapor bulan ini" in page and "Rencana: Rp59.400.000" in page
    assert report(client, client_id="abcdefgh12345678").status_code == 303
    # the same queued write again (its answer was lost): applied once
    assert report(client, client_id="abcdefgh12345678", sales="1.000").status_code == 303
    checkin = db.session.scalar(select(Checkin))
    assert checkin.sales == Decimal(50_000_000)
    # a colleague of the same cooperative corrects the month: still one check-in
    other = client.application.test_client()
    login(world["colleague"], c=other)
    assert report(other, sales="52.000.000", **{"status-1": "selesai", "note-1": "120 pelanggan"}).status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Checkin)) == 1
    checkin = db.session.scalar(select(Checkin))
    assert checkin.sales == Decimal(52_000_000) and checkin.reporter_id == world["colleague"].id
    assert [(a.position, a.status, a.note) for a in checkin.actions] == [
        (0, "selesai", ""), (1, "selesai", "120 pelanggan"), (2, "belum", "")]
    page = client.get("/kawal").get_data(as_text=True)
    assert "Belum lapor bulan ini" not in page and "Perbarui laporan" in page


def test_bad_amounts_and_statuses_are_refused_with_the_reason(client, login, world):
    login(world["participant"])
    response = report(client, sales="lima juta", cash="-5.000", **{"status-0": "entah"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Bukan jumlah rupiah" in html and "tidak boleh negatif" in html and "Pilih status kegiatan" in html
    assert db.session.scalar(select(func.count()).select_from(Checkin)) == 0
    # the Indonesian ways of typing are understood
    assert report(client, sales="Rp 52.000.000", costs="48 jt", cash="5,5 jt").status_code == 303
    checkin = db.session.scalar(select(Checkin))
    assert (checkin.sales, checkin.costs, checkin.cash) == (52_000_000, 48_000_000, 5_500_000)


def test_flags_in_plain_words(world):
    kplan = world["kplan"]
    start = kplan.start_month
    assert [f.text for f in checkins.flags(kplan, start)] == ["Belum lapor bulan ini"]
    checkins.save_checkin(kplan, world["participant"], start, sales="40.000.000", costs="39.000.000",
                          cash="900.000", note="", actions=[checkins.ActionInput(0, "berjalan", "", [])])
    db.session.flush()
    # month 3 of the plan: action 1 (month 1) and action 2 (month 2) are late; cash 900.000 < 1.180.000
    day = checkins.add_months(start, 2) + timedelta(days=3)
    texts = [f.text for f in checkins.flags(kplan, day)]
    assert texts == ["Belum lapor bulan ini", "Kas akhir di bawah cicilan", "2 kegiatan terlambat",
                     "Penjualan jauh di bawah rencana"]
    assert kplan.need == 3 + 1  # cash and sales (no action is late yet in the month it reported)


def test_the_region_list_is_sorted_by_need_and_keyset_paged(app, world):
    observer = world["observer"]
    course_assignment = world["plan"].assignment
    ids = [world["kplan"].id]
    for n, village in enumerate(("5371030013", "5371030011")):
        _p, _plan, _t = passed_plan(village_code=village, full_name=f"Ketua {n}", assignment=course_assignment,
                                    course=course_assignment.lesson.module.course, trainer=world["trainer"])
        ids.append(db.session.scalar(select(KawalPlan.id).where(KawalPlan.owner_id == _p.id)))
    passed_plan(village_code="5371020002", full_name="Ketua Maulafa", assignment=course_assignment,
                course=course_assignment.lesson.module.course, trainer=world["trainer"])
    first = db.session.get(KawalPlan, ids[0])
    needy = db.session.get(KawalPlan, ids[2])
    today = checkins.today()
    checkins.save_checkin(first, world["participant"], checkins.month_start(today), sales="60.000.000",
                          costs="50.000.000", cash="9.000.000", note="", actions=[])
    needy.need = 5
    db.session.commit()
    page1 = checkins.region_page(observer, None, None, per_page=2)
    assert [r.plan.id for r in page1.rows] == [ids[2], ids[1]]  # not reported: the neediest first
    page2 = checkins.region_page(observer, None, page1.next_cursor, per_page=2)
    assert [r.plan.id for r in page2.rows] == [ids[0]] and page2.next_cursor is None  # reported: last
    other = checkins.region_page(world["observer_other"], None, None)
    assert all(r.plan.village_code.startswith("5371020") for r in other.rows) and len(other.rows) == 1


def test_notes_are_kept_with_author_and_date_and_the_whatsapp_link_is_polite(client, login, world):
    login(world["observer"])
    url = f"/kawal/rencana/{world['kplan'].id}"
    page = client.get(url).get_data(as_text=True)
    phone = world["participant"].phone
    assert f"https://wa.me/{phone}?text=Selamat%20pagi%20Bapak%2FIbu%20Yuliana%20Ndun" in page
    assert client.post(url + "/catatan", data={"body": "  "}).status_code == 422
    assert client.post(url + "/catatan", data={"body": "Kunjungan: kios sudah buka."}).status_code == 303
    note = db.session.scalar(select(KawalNote))
    assert note.author_id == world["observer"].id and note.created_at is not None
    page = client.get(url).get_data(as_text=True)
    assert "Kunjungan: kios sudah buka." in page and "Paulus Nenobais" in page


def test_access_by_cooperative_and_region(app, world):
    from tests.conftest import IsolatedClient  # noqa: F401 - the app's client class

    url = f"/kawal/rencana/{world['kplan'].id}"

    def client_of(user):
        c = app.test_client()
        db.session.commit()
        c.post("/masuk", data={"login": "0" + user.phone[2:], "password": factories.PASSWORD})
        return c

    assert client_of(world["participant"]).get(url).status_code == 200
    assert client_of(world["stranger"]).get(url).status_code == 404
    assert client_of(world["observer_other"]).get(url).status_code == 403
    assert client_of(world["observer_other"]).post(url + "/catatan", data={"body": "x"}).status_code == 403
    assert client_of(world["stranger"]).get("/kawal/wilayah").status_code == 403
    stranger_page = client_of(world["stranger"]).get("/kawal").get_data(as_text=True)
    assert "belum punya rencana bisnis yang lulus" in stranger_page
    assert client_of(world["stranger"]).post("/kawal/lapor", data={}).status_code == 404
    # exports: the observer's region only, in the query
    own = client_of(world["observer"]).get("/kawal/wilayah/rencana.csv").get_data(as_text=True)
    other = client_of(world["observer_other"]).get("/kawal/wilayah/rencana.csv").get_data(as_text=True)
    assert "5371030011" in own and "5371030011" not in other
    assert client_of(world["observer_other"]).get("/kawal/wilayah?wilayah=5371030").status_code == 403


def test_exports_for_excel_id(client, login, world):
    kplan = world["kplan"]
    checkins.save_checkin(kplan, world["participant"], kplan.start_month, sales="50.000.000", costs="48.000.000",
                          cash="5.000.000", note="=HYPERLINK(\"x\")", actions=[checkins.ActionInput(0, "selesai", "", [])])
    db.session.commit()
    login(world["observer"])
    text = client.get("/kawal/wilayah/laporan.csv").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:3] == ["Koperasi", "Kode kelurahan", "Bulan"]
    assert rows[1][4:10] == ["59400000", "50000000", "57852000", "48000000", "5548000", "5000000"]
    assert rows[1][-1].startswith("'=")  # a formula is text
    response = client.get("/kawal/wilayah/laporan.xlsx")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    assert client.get("/kawal/wilayah/rencana.xlsx").data[:2] == b"PK"


def test_a_photo_sent_with_the_resumable_upload_goes_with_the_action(client, login, world, app):
    login(world["participant"])
    kplan = world["kplan"]
    png = samples.png(40, 40)
    start = client.post("/unggah", data={"purpose": "kawal", "target": kplan.id, "name": "kios.png",
                                         "size": len(png)})
    assert start.status_code == 201
    upload_id = start.json["id"]
    assert client.patch(f"/unggah/{upload_id}", data=png, headers={"Upload-Offset": "0"}).json["done"]
    assert report(client, **{"photo-0": upload_id}).status_code == 303
    action = db.session.scalar(select(Checkin)).actions[0]
    assert action.photo_original == "kios.png"
    response = client.get(f"/kawal/foto/{action.id}")
    assert response.status_code == 200 and response.data == png
    stranger = app.test_client()
    login(world["stranger"], c=stranger)
    assert stranger.get(f"/kawal/foto/{action.id}").status_code == 404
    # a participant of another cooperative may not upload for this plan
    assert stranger.post("/unggah", data={"purpose": "kawal", "target": kplan.id, "name": "x.png",
                                          "size": 10}).status_code == 403
