"""Typed or edited URLs never reach the database as impossible numbers: a 25-digit id in any URL is a
404, impossible query values (`?angkatan=abc`, `?page=-1`, a 25-digit `?kursus=`) answer as if they
were not given, editor row counts are bounded, and a query string cannot break a redirect."""
import pytest

from tests.security import world as W
from tests.security.matrix import SKIP_ENDPOINTS, defaults

HUGE = "9" * 25


def _int_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP_ENDPOINTS or "GET" not in rule.methods:
            continue
        ints = [name for name, conv in rule._converters.items() if type(conv).__name__ == "IdConverter"]
        if ints:
            yield rule, ints


def test_a_25_digit_id_in_any_url_is_a_404(world_app, world):
    admin = W.login(world_app, world.admin, world.password)
    values = defaults(world)
    checked = 0
    for rule, ints in _int_rules(world_app):
        for name in ints:
            path = _build(rule, {**values, name: HUGE})
            response = admin.get(path)
            assert response.status_code == 404, (path, response.status_code)
            checked += 1
    assert checked > 30


def _build(rule, values) -> str:
    import re

    def fill(match):
        return str(values.get(match.group(1), 1))

    return re.sub(r"<(?:[^<>]*:)?(\w+)>", fill, rule.rule)


@pytest.mark.parametrize("query", ["angkatan=abc", f"angkatan={HUGE}", "angkatan=-1", f"kursus={HUGE}",
                                   "kursus=%C2%B2", "page=-1", f"page={HUGE}", "page=abc", f"tugas={HUGE}",
                                   "ambang=999999999999999999999"])
def test_impossible_query_values_are_ignored(world_app, world, query):
    admin = W.login(world_app, world.admin, world.password)
    for path in ("/penilaian", f"/penilaian/kursus/{world.course.id}", "/pantau/", "/pantau/tertinggal",
                 "/admin/pengguna", "/angkatan", f"/angkatan/{world.cohort.id}", "/sertifikat",
                 f"/sertifikat/kursus/{world.course.id}", f"/kursus/{world.course.slug}/pre-post"):
        response = admin.get(f"{path}?{query}")
        assert response.status_code in (200, 302, 303, 404), (path, query, response.status_code)


@pytest.mark.parametrize("query", ["code=5371", "code=x&kursus=1", "_external=1&_scheme=javascript", "_anchor=x"])
def test_the_observers_redirect_keeps_only_its_own_query(world_app, world, query):
    observer = W.login(world_app, world.observer, world.password)
    for path in ("/pantau/", "/pantau/tertinggal"):
        response = observer.get(f"{path}?{query}")
        assert response.status_code == 302, (path, query, response.status_code)
        location = response.headers["Location"]
        assert location.startswith("/pantau/wilayah/" + world.observer.region_code)
        assert "javascript" not in location and "#" not in location


@pytest.mark.parametrize("field", ["rows", "level_rows"])
@pytest.mark.parametrize("value", ["abc", HUGE, "-5", "1e9"])
def test_editor_row_counts_are_read_safely(world_app, world, field, value):
    from kopedu.courses import authoring_forms

    form = {field: value, "text": "Soal", "choice-0": "Ya", "choice-60": "Tidak"}
    if field == "rows":
        question = authoring_forms.read_question("single", form)
        assert [c.text for c in question.choices] in ([], ["Ya"])
    else:
        assert len(authoring_forms.read_levels(form)) <= 20
