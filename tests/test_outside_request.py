"""Services run from CLI commands and background jobs too: an app context, no request."""
from datetime import date, datetime, timezone

import pytest
from flask import has_request_context

from kopedu import _select_locale
from kopedu.certificates import services as certificates
from kopedu.cohorts import services as cohorts
from kopedu.cohorts import checkin
from kopedu.grading import services as grading
from kopedu.web.filters import date_long
from tests import factories


def test_services_translate_and_format_dates_outside_a_request(app):
    assert not has_request_context()
    assert _select_locale() == "id"
    assert grading.status_label("lulus") == "Lulus"
    assert date_long(date(2026, 11, 18)) == "18 November 2026"
    with pytest.raises(certificates.CertificateError, match="harus memuat"):
        certificates.check_serial_format("BIMTEK/{year}")
    cohort = factories.cohort()
    session = factories.cohort_session(cohort, held_on=date(2026, 11, 18), code="246810")
    participant, _enrollment = factories.participant_in(cohort)
    moment = datetime(2026, 1, 1, tzinfo=timezone.utc)
    with pytest.raises(cohorts.CheckInError, match="Kode tidak dikenal atau belum dibuka"):
        checkin.check_in(participant, checkin.checkin_code_at(session, moment), now=moment)
