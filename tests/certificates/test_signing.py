"""Signed certificates: every stored certificate PDF carries a PAdES signature of the issuing office, which
pyHanko's own validator accepts; a copy changed afterwards fails it; the verification page says who
signed. Keys come from a PKCS#12 file or PEM files; without them a self-signed demo certificate is used
in development and the tests, and production signs nothing (and says so)."""
import concurrent.futures
import io

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from kopedu.certificates import services, signing
from kopedu.extensions import db
from tests.certificates.helpers import complete, settle


@pytest.fixture
def issued(world):
    complete(world.enrollment)
    certificate = services.live_certificate(world.enrollment.id)
    settle()
    db.session.refresh(certificate)
    return certificate


def stored_pdf(certificate) -> bytes:
    return services.pdf_file(certificate.pdf_path).read_bytes()


def validate(pdf: bytes, trusted):
    """pyHanko's validator (it runs asyncio.run: in a thread of its own, since the browser tests leave
    Playwright's event loop running in this one)."""
    reader = PdfFileReader(io.BytesIO(pdf))
    assert len(reader.embedded_signatures) == 1
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(validate_pdf_signature, reader.embedded_signatures[0],
                           ValidationContext(trust_roots=[trusted])).result()


def test_the_stored_certificate_is_signed_and_valid(app, issued):
    signer = signing.current()
    pdf = stored_pdf(issued)
    status = validate(pdf, signer.signer.signing_cert)
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"  # nothing added after the signature
    assert status.signing_cert.subject.native["organization_name"] == "Dinas Koperasi dan UKM Kota Kupang"
    assert issued.pdf_signer == signer.name and signing.DEMO_NAME in issued.pdf_signer


def test_a_changed_copy_fails_validation(app, issued):
    pdf = bytearray(stored_pdf(issued))
    # change one byte of the signed content (the producer's name, as an editor that rewrites it would)
    at = pdf.find(b"WeasyPrint")
    assert 0 < at < pdf.find(b"/ByteRange")
    pdf[at] = ord("X")
    status = validate(bytes(pdf), signing.current().signer.signing_cert)
    assert not status.intact and not status.bottom_line


def test_a_signature_from_an_unknown_key_is_not_trusted(app, issued, tmp_path):
    other = signing.make_demo_p12(tmp_path / "lain.p12", office="Kantor Lain")
    from pyhanko.sign import signers

    stranger = signers.SimpleSigner.load_pkcs12(str(other), passphrase=signing.DEMO_PASSWORD)
    status = validate(stored_pdf(issued), stranger.signing_cert)
    assert status.intact and not status.trusted  # whole, but not signed by the office one trusts


def test_the_verification_page_says_who_signed(app, client, issued):
    from kopedu.certificates import codes

    html = client.get(f"/verifikasi/{codes.display(issued.verify_code)}").get_data(as_text=True)
    assert "ditandatangani secara elektronik oleh" in html and issued.pdf_signer in html


def test_an_office_key_from_pem_files_signs_too(app, world, tmp_path, monkeypatch):
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, pkcs12

    p12 = signing.make_demo_p12(tmp_path / "kantor.p12", office="Dinas Koperasi Provinsi NTT")
    key, cert, _ = pkcs12.load_key_and_certificates(p12.read_bytes(), signing.DEMO_PASSWORD)
    (tmp_path / "key.pem").write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(Encoding.PEM))
    monkeypatch.setitem(app.config, "SIGNING_KEY", str(tmp_path / "key.pem"))
    monkeypatch.setitem(app.config, "SIGNING_CERT", str(tmp_path / "cert.pem"))
    monkeypatch.setitem(app.config, "SIGNING_DEMO_DIR", None)
    complete(world.enrollment)
    certificate = services.live_certificate(world.enrollment.id)
    settle()
    db.session.refresh(certificate)
    assert certificate.pdf_signer.endswith("Dinas Koperasi Provinsi NTT")
    status = validate(stored_pdf(certificate), signing.current().signer.signing_cert)
    assert status.bottom_line


def test_without_a_key_nothing_is_signed_and_the_start_says_so(app, world, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "SIGNING_DEMO_DIR", None)
    with caplog.at_level("WARNING"):
        signing.check_at_start(app)
    assert "not signed" in caplog.text
    complete(world.enrollment)
    certificate = services.live_certificate(world.enrollment.id)
    settle()
    db.session.refresh(certificate)
    assert certificate.pdf_signer is None
    assert PdfFileReader(io.BytesIO(stored_pdf(certificate))).embedded_signatures == []


def test_signing_works_inside_a_running_event_loop(app, issued):
    """An async server or Playwright's sync API keeps an event loop running in the thread; pyHanko's
    sign_pdf would refuse to start its own there (asyncio.run): the PDF is still signed."""
    import asyncio

    pdf_bytes = services.render_certificate(issued)

    def in_a_loop():
        async def inside():
            with app.app_context():
                return signing.sign(pdf_bytes, reason="uji", location="Kupang")
        return asyncio.run(inside())

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pdf, signer = pool.submit(in_a_loop).result()
    assert signer == signing.current().name
    assert validate(pdf, signing.current().signer.signing_cert).intact
