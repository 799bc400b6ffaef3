"""The serial number format takes only its documented fields ({seq} with an optional width, {year},
{month}, {roman_month}, {cohort}, {course}); anything else is refused with a message saying so."""
import pytest

from kopedu.certificates import services


@pytest.mark.parametrize("fmt, message", [
    ("{seq:04d}/{cohort.__class__}", "Kolom tidak dikenal"),
    ("{seq:04d}/{course.__class__.__mro__}", "Kolom tidak dikenal"),
    ("{seq:04d}/{cohort[0]}", "Kolom tidak dikenal"),
    ("{seq.real}/{year}", "harus memuat {seq}"),
    ("{seq:04d}/{0}", "Kolom tidak dikenal"),
    ("{seq:04d}/{}", "Kolom tidak dikenal"),
    ("{seq:>99999999}", "Cara menulis {seq}"),
    ("{seq:099999999d}", "Cara menulis {seq}"),
    ("{seq:,}", "Cara menulis {seq}"),
    ("{seq!r}/{year}", "Cara menulis {seq}"),
    ("{seq:04d}/{year:>50}", "Cara menulis {year}"),
    ("{seq:04d}/{cohort!s}", "Cara menulis {cohort}"),
    ("{seq:04d}/{year", "tidak bisa dipakai"),
])
def test_undocumented_placeholders_are_refused_with_a_clear_message(app, fmt, message):
    with pytest.raises(services.CertificateError) as error:
        services.check_serial_format(fmt)
    assert message in str(error.value) and error.value.field == "serial_format"


@pytest.mark.parametrize("fmt", ["{seq:04d}/BIMTEK-KMP/{cohort}/{year}", "{seq}/{roman_month}/{course}/{month}",
                                 "KMP-{year}-{seq:6d}", "{{{seq:03d}}}"])
def test_the_documented_fields_work(app, fmt):
    assert services.check_serial_format(fmt) == fmt
