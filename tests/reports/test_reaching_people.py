"""Reaching people: the falling-behind list and the cohort's participant list show the phone and a
WhatsApp reminder (https://wa.me/62…?text=…), and leave out those who already hold a certificate."""
import re
from urllib.parse import parse_qs, unquote, urlsplit

from kopedu.certificates import services as certificates
from kopedu.extensions import db
from kopedu.reports import services
from tests import factories
from tests.reports.test_monitoring import NOW, world  # noqa: F401 - the fixture

WA = re.compile(r'href="(https://wa\.me/[^"]+)"')


def _links(html: str) -> dict[str, str]:
    """{phone: reminder text} of the page's WhatsApp links."""
    found = {}
    for href in WA.findall(html):
        href = href.replace("&amp;", "&")
        parts = urlsplit(href)
        found[parts.path.strip("/")] = parse_qs(parts.query)["text"][0]
    return found


def _hand_issued(world, key):
    """A certificate issued by hand (with a reason) to a participant who has not completed."""
    admin = factories.user("admin")
    certificates.issue(world["people"][key][1], by=admin, reason="Lulus Bimtek tatap muka.")
    db.session.commit()


def test_the_falling_behind_list_offers_a_whatsapp_reminder_naming_the_course_and_what_is_left(world, client,
                                                                                                login):
    world["course"].title = "Tata Kelola Koperasi Merah Putih"
    observer = factories.user("observer", region_code="5371030", full_name="Lurah Oebufu")
    db.session.commit()
    login(observer)  # an observer reaches the people of their region too
    html = client.get("/pantau/wilayah/5371030/tertinggal").get_data(as_text=True)
    links = _links(html)
    dedi = world["people"]["Dedi"][0]
    assert dedi.phone.startswith("628") and dedi.phone in links
    assert f'href="tel:+{dedi.phone}"' in html
    text = links[dedi.phone]
    assert text.startswith("Selamat siang, Bapak/Ibu Dedi.")
    assert '"Tata Kelola Koperasi Merah Putih"' in text
    assert "mengerjakan pre-test; menyelesaikan materi (baru 60% selesai); mengerjakan post-test" in text
    assert "Lurah Oebufu" in text and "Terima kasih" in text
    assert set(links) == {world["people"][k][0].phone for k in ("Citra", "Dedi", "Eka")}


def test_certificate_holders_are_not_on_the_falling_behind_list(world, client, login):
    _hand_issued(world, "Dedi")
    rows = services.participant_rows(services.Scope(region_code="5371"), services.Filters(now=NOW), behind_only=True)
    assert [r.full_name for r in rows] == ["Eka", "Citra"]
    _table, total = services.region_table(services.find_region("5371"), services.Filters(now=NOW))
    assert total.behind == 2  # the count agrees with the list
    trainer = factories.user("trainer", region_code="5371")
    db.session.commit()
    login(trainer)
    html = client.get("/pantau/wilayah/5371/tertinggal").get_data(as_text=True)
    assert ">Dedi<" not in html and world["people"]["Dedi"][0].phone not in html


def test_the_cohort_participant_list_has_a_reminder_for_everyone_but_certificate_holders(world, client, login):
    cohort = world["cohort"]
    trainer = factories.user("trainer", full_name="Marthen Bana")
    cohort.trainers.append(trainer)
    db.session.commit()
    _hand_issued(world, "Dedi")
    login(trainer)
    html = client.get(f"/angkatan/{cohort.id}").get_data(as_text=True)
    links = _links(html)
    phones = {key: user.phone for key, (user, _e) in world["people"].items()}
    # Dedi holds a certificate, Ana completed: no reminder; everyone else gets one.
    assert set(links) == {phones[k] for k in ("Beni", "Citra", "Eka", "Fani")}
    assert phones["Dedi"] in html  # the phone is still there, to call
    assert "menyelesaikan materi (baru 10% selesai)" in links[phones["Citra"]]
    assert world["course"].title in links[phones["Citra"]] and "Marthen Bana" in links[phones["Citra"]]
    assert "Bersertifikat" in html
    assert unquote(WA.findall(html)[0]).startswith("https://wa.me/628")
