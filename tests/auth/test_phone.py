import pytest

from kopedu.auth.services import normalize_email, normalize_phone


@pytest.mark.parametrize("raw", ["0812-3456-7890", "+62 812 3456 7890", "6281234567890", "812 3456 7890",
                                 "(0812) 3456.7890", " 081234567890 "])
def test_phone_spellings_are_one_number(raw):
    assert normalize_phone(raw) == "6281234567890"


@pytest.mark.parametrize("raw", ["", "abc", "021-555-1234", "0812", "+1 415 555 0100", "08123456789012345", None])
def test_not_a_mobile_number(raw):
    assert normalize_phone(raw) is None


def test_email_is_lower_cased():
    assert normalize_email("  Admin@Dinas.Go.Id ") == "admin@dinas.go.id"
    assert normalize_email("bukan email") is None
