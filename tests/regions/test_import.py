from pathlib import Path

from sqlalchemy import func, select

from kopedu.demo import BUNDLED_REGIONS
from kopedu.extensions import db
from kopedu.regions.models import Region
from kopedu.regions.services import import_regions, resolve_region


def _count(level=None):
    stmt = select(func.count()).select_from(Region)
    if level:
        stmt = stmt.where(Region.level == level)
    return db.session.scalar(stmt)


def test_bundled_ntt_imports_idempotently(app):
    counts = import_regions(BUNDLED_REGIONS)
    db.session.commit()
    assert counts == {"provinsi": 1, "kabupaten_kota": 22, "kecamatan": 307, "kelurahan_desa": 3202}
    assert _count() == 3532
    import_regions(BUNDLED_REGIONS)
    db.session.commit()
    assert _count() == 3532
    oebufu = db.session.get(Region, "5371030011")
    assert oebufu.name == "OEBUFU" and oebufu.parent.name == "OEBOBO"
    assert [r.code for r in oebufu.lineage()] == ["53", "5371", "5371030", "5371030011"]
    assert oebufu.display_name == "Oebufu"
    kupang_kelurahan = db.session.scalar(select(func.count()).select_from(Region).where(
        Region.level == "kelurahan_desa", Region.code.startswith("5371")))
    assert kupang_kelurahan == 50


def test_import_updates_a_renamed_region(app, tmp_path):
    for name in ("provinces", "regencies", "districts", "villages"):
        (tmp_path / f"{name}.csv").write_text("")
    (tmp_path / "provinces.csv").write_text("53,NUSA TENGGARA TIMUR\n")
    import_regions(tmp_path)
    (tmp_path / "provinces.csv").write_text("53,NTT BARU\n")
    import_regions(tmp_path)
    db.session.commit()
    assert db.session.get(Region, "53").name == "NTT BARU"
    assert _count() == 1


def test_bad_code_length_is_reported(app, tmp_path):
    for name in ("provinces", "regencies", "districts", "villages"):
        (tmp_path / f"{name}.csv").write_text("")
    (tmp_path / "provinces.csv").write_text("531,SALAH\n")
    import pytest

    with pytest.raises(ValueError, match="531"):
        import_regions(tmp_path)


def test_resolve_region_by_code_or_unique_name(app):
    import_regions(BUNDLED_REGIONS)
    assert resolve_region("5371030").name == "OEBOBO"
    assert resolve_region("kota raja").code == "5371031"
    assert resolve_region("oebobo") is None  # both a kecamatan and a kelurahan: ambiguous
    assert resolve_region("tidak ada") is None


def test_attribution_ships_with_the_rows():
    readme = (Path(BUNDLED_REGIONS) / "README.md").read_text()
    assert "Badan Pusat Statistik" in readme and "Open Database License" in readme
    assert (Path(BUNDLED_REGIONS) / "LICENSE-data-ODbL-1.0.md").is_file()


def test_repeated_code_keeps_first_row_and_is_reported(app, tmp_path):
    for name in ("provinces", "regencies", "districts", "villages"):
        (tmp_path / f"{name}.csv").write_text("")
    (tmp_path / "provinces.csv").write_text("91,PAPUA BARAT\n")
    (tmp_path / "regencies.csv").write_text("9107,91,KABUPATEN TAMBRAUW\n")
    (tmp_path / "districts.csv").write_text("9107182,9107,KWOOR\n")
    (tmp_path / "villages.csv").write_text("9107182005,9107182,KAMLIN\n9107182005,9107182,KWARI\n")
    duplicates = []
    counts = import_regions(tmp_path, duplicates=duplicates)
    assert counts["kelurahan_desa"] == 1
    assert db.session.get(Region, "9107182005").name == "KAMLIN"
    assert duplicates == ["villages.csv:2 9107182005 KWARI"]


def test_cli_import_regions(app):
    result = app.test_cli_runner().invoke(args=["kopedu", "import-regions", str(BUNDLED_REGIONS)])
    assert result.exit_code == 0, result.output
    assert "kelurahan_desa: 3,202" in result.output
