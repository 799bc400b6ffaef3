"""The national and province monitoring views answer from a short cache and say when their
figures were computed; smaller regions are always live."""
import re

from kopedu.extensions import db
from kopedu.reports import cache
from tests import factories


def test_national_view_cached_with_its_time_and_regency_live(app, client, login):
    app.config["MONITOR_CACHE_SECONDS"] = 60
    cache.clear()
    try:
        factories.kupang_regions()
        course = factories.course()
        cohort = factories.cohort(course=course)
        factories.participant_in(cohort, full_name="Satu")
        db.session.commit()
        login(factories.user("admin"))

        def enrolled(path):
            html = client.get(path).get_data(as_text=True)
            return html, int(re.search(r'<dt>Peserta</dt><dd>(\d+)</dd>', html).group(1))

        html, first = enrolled("/pantau/")
        assert 'id="computed-at"' in html and first == 1
        factories.participant_in(cohort, full_name="Dua")
        db.session.commit()
        html, again = enrolled("/pantau/")
        assert again == 1 and 'id="computed-at"' in html  # the same figures, within the minute
        html, regency = enrolled("/pantau/wilayah/5371")
        assert 'id="computed-at"' not in html and regency == 2  # a kabupaten/kota is live
        cache.clear()
        assert enrolled("/pantau/")[1] == 2
    finally:
        app.config["MONITOR_CACHE_SECONDS"] = 0
        cache.clear()
