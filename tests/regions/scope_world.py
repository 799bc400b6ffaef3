"""Two Dinas for the region-scope tests: Kota Kupang (5371) and Kabupaten Kupang (5303), a course taught
in both, one cohort and one participant in each, and their admins and trainers."""
from types import SimpleNamespace

from kopedu.extensions import db
from kopedu.regions.models import Region
from tests import factories

KAB_KUPANG = [
    ("5303", "KABUPATEN KUPANG", "kabupaten_kota", "53"),
    ("5303100", "KUPANG TENGAH", "kecamatan", "5303"),
    ("5303100005", "BOKONUSAN", "kelurahan_desa", "5303100"),
]


def two_dinas() -> SimpleNamespace:
    factories.kupang_regions()
    for code, name, level, parent in KAB_KUPANG:
        if db.session.get(Region, code) is None:
            db.session.add(Region(code=code, name=name, level=level, parent_code=parent))
    db.session.flush()
    w = SimpleNamespace()
    w.national = factories.user("admin", full_name="Admin Nasional")
    w.admin_kota = factories.user("admin", full_name="Admin Kota Kupang", region_code="5371")
    w.admin_kab = factories.user("admin", full_name="Admin Kabupaten Kupang", region_code="5303")
    w.course = factories.course(title="Kursus Nasional")
    # The trainer of the national course whose region is Kota Kupang, and one in Kabupaten Kupang.
    w.trainer_kota = factories.trainer_of(w.course, full_name="Pelatih Kota", region_code="5371")
    w.trainer_kab = factories.trainer_of(w.course, full_name="Pelatih Kabupaten", region_code="5303")
    w.cohort_kota = factories.cohort(w.course, trainers=[w.trainer_kota], code="KOTA-1", region_code="5371")
    w.cohort_kab = factories.cohort(w.course, trainers=[w.trainer_kab], code="KAB-1", region_code="5303")
    w.kota, w.e_kota = factories.participant_in(w.cohort_kota, "5371030011", full_name="Peserta Kota",
                                                phone="6281211110001")
    w.kab, w.e_kab = factories.participant_in(w.cohort_kab, "5303100005", full_name="Peserta Kabupaten",
                                              phone="6281211110002")
    db.session.commit()
    return w
