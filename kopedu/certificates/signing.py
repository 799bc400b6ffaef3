"""PAdES signatures on certificate PDFs, with pyHanko.

Every certificate PDF is signed once, right after it is rendered (kopedu.certificates.services), with the
issuing office's key and certificate:

- `KOPEDU_SIGNING_P12`: a PKCS#12 file (.p12/.pfx) holding the key and its certificate (and the chain),
  `KOPEDU_SIGNING_PASSWORD` its passphrase; or
- `KOPEDU_SIGNING_KEY` and `KOPEDU_SIGNING_CERT`: the key and the certificate as PEM files (plus
  `KOPEDU_SIGNING_CHAIN`, PEM, for intermediate certificates).

Without them, development and the tests generate a self-signed demo certificate once
(`instance/signing-demo.p12`, "KopEdu DEMO — bukan tanda tangan resmi"); production signs nothing and
says so at start. The signature is an approval signature (PAdES B-B, SHA-256) over the whole file:
any later change to the bytes makes a PDF reader report the signature as broken. The signer's name
(CN and organisation) is kept on the certificate row and shown on the verification page.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import io
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from flask import current_app

log = logging.getLogger(__name__)

DEMO_NAME = "KopEdu DEMO - bukan tanda tangan resmi"
DEMO_PASSWORD = b"kopedu-demo"
FIELD_NAME = "TandaTanganDinas"

_lock = threading.Lock()
_cache: dict[tuple, "Signer"] = {}


@dataclass
class Signer:
    signer: object  # pyhanko.sign.signers.SimpleSigner
    name: str  # "CN, O" of the signing certificate
    demo: bool


def configured(app=None) -> dict:
    """Where the key comes from, from the app's config ({} when nothing is configured)."""
    config = (app or current_app).config
    if config.get("SIGNING_P12"):
        return {"p12": Path(config["SIGNING_P12"]), "password": config.get("SIGNING_PASSWORD") or None}
    if config.get("SIGNING_KEY") and config.get("SIGNING_CERT"):
        return {"key": Path(config["SIGNING_KEY"]), "cert": Path(config["SIGNING_CERT"]),
                "chain": Path(config["SIGNING_CHAIN"]) if config.get("SIGNING_CHAIN") else None,
                "password": config.get("SIGNING_PASSWORD") or None}
    if config.get("SIGNING_DEMO_DIR"):
        return {"p12": Path(config["SIGNING_DEMO_DIR"]) / "signing-demo.p12", "password": DEMO_PASSWORD.decode(),
                "demo": True}
    return {}


def current() -> Signer | None:
    """The signer of this app (loaded once per file and its modification time), or None."""
    source = configured()
    if not source:
        return None
    if source.get("demo") and not source["p12"].exists():
        make_demo_p12(source["p12"])
    files = [p for p in (source.get("p12"), source.get("key"), source.get("cert"), source.get("chain")) if p]
    key = tuple((str(p), p.stat().st_mtime_ns) for p in files)
    with _lock:
        if key not in _cache:
            _cache.clear()
            _cache[key] = _load(source)
        return _cache[key]


def _load(source: dict) -> Signer:
    from pyhanko.sign import signers

    password = source.get("password")
    password = password.encode() if isinstance(password, str) else password
    if "p12" in source:
        signer = signers.SimpleSigner.load_pkcs12(str(source["p12"]), passphrase=password)
    else:
        signer = signers.SimpleSigner.load(str(source["key"]), str(source["cert"]),
                                           ca_chain_files=[str(source["chain"])] if source.get("chain") else None,
                                           key_passphrase=password)
    if signer is None:
        raise RuntimeError("the signing key or certificate could not be read (check the path and passphrase)")
    return Signer(signer=signer, name=subject_name(signer.signing_cert), demo=bool(source.get("demo")))


def subject_name(cert) -> str:
    """ "Common name, Organisation" of an asn1crypto certificate."""
    native = cert.subject.native
    parts = [native.get("common_name"), native.get("organization_name")]
    return ", ".join(str(p) for p in parts if p and p not in ("",)) or cert.subject.human_friendly


def sign(pdf: bytes, reason: str, location: str) -> tuple[bytes, str | None]:
    """The PDF signed with the office's key (PAdES), and the signer's name; unchanged without a signer."""
    signer = current()
    if signer is None:
        return pdf, None
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter

    meta = signers.PdfSignatureMetadata(field_name=FIELD_NAME, md_algorithm="sha256",
                                        subfilter=SigSeedSubFilter.PADES, reason=reason, location=location,
                                        name=signer.name)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    out = _outside_an_event_loop(lambda: signers.sign_pdf(writer, meta, signer=signer.signer))
    return out.getvalue(), signer.name


def _outside_an_event_loop(work):
    """pyHanko's sign_pdf runs its async signer with asyncio.run(), which refuses to start inside a
    thread whose event loop is running (an async server, Playwright's sync API in the tests): there the
    work runs in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


def make_demo_p12(path: Path, office: str = "Dinas Koperasi dan UKM Kota Kupang") -> Path:
    """A self-signed signing certificate (ECDSA P-256, five years) for the demo and the tests."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, office),
                      x509.NameAttribute(NameOID.COMMON_NAME, DEMO_NAME)])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=5 * 365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    data = pkcs12.serialize_key_and_certificates(b"kopedu-demo", key, cert, None,
                                                 BestAvailableEncryption(DEMO_PASSWORD))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.chmod(0o600)
    tmp.replace(path)
    return path


def check_at_start(app) -> None:
    """Say in the log whether certificates will be signed, and by whom."""
    source = configured(app)
    if not source:
        log.warning("certificate PDFs are not signed: set KOPEDU_SIGNING_P12 (and KOPEDU_SIGNING_PASSWORD)")
    elif source.get("demo"):
        log.info("certificate PDFs are signed with a self-signed DEMO certificate (%s)", source["p12"])
