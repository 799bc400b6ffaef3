"""A passed business plan (the Oebufu example of module 6) for the Kawal sama-sama tests."""
import copy

from sqlalchemy import select

from kopedu.extensions import db
from kopedu.grading import services as grading
from kopedu.grading.models import Submission
from tests import factories

KEUANGAN = {
    "simpanan_pokok": "3.000.000", "simpanan_wajib": "15.000.000", "pinjaman": "24.000.000",
    "bunga_persen_tahun": "9", "tenor_bulan": "24", "alat": "12.000.000", "umur_alat_bulan": "48",
    "stok_awal": "25.000.000", "biaya_awal_lain": "1.000.000", "sewa": "1.000.000", "gaji": "2.500.000",
    "jumlah_pekerja": "1", "listrik": "600.000", "biaya_lain": "300.000",
    "produk": [{"nama": "Sembako", "satuan": "keluarga", "harga": "300.000", "jumlah": "150", "hpp": "264.000"},
               {"nama": "Se'i", "satuan": "kg", "harga": "200.000", "jumlah": "72", "hpp": "176.000"}],
}
ACTIONS = [
    {"waktu": "Bulan 1", "kegiatan": "Rapat pengurus dan sewa kios", "penanggung_jawab": "Ketua",
     "anggaran": "1.000.000", "indikator": "Kios siap"},
    {"waktu": "Minggu 5-8", "kegiatan": "Promosi lewat WhatsApp Business", "penanggung_jawab": "Sekretaris",
     "anggaran": "300.000", "indikator": "50 pelanggan"},
    {"waktu": "Bulan ke-3", "kegiatan": "Daftar QRIS", "penanggung_jawab": "Bendahara", "anggaran": "0",
     "indikator": "QRIS aktif"},
]
DATA = {"profil": {"nama_usaha": "Gerai sembako dan se'i"}, "keuangan": KEUANGAN,
        "rencana_aksi": {"tujuan": "Gerai buka", "rows": ACTIONS}}


def passed_plan(village_code="5371030011", full_name="Yuliana Ndun", phone=None, course=None, assignment=None,
                trainer=None):
    """A participant of a cooperative whose workbook the trainer passed; returns (participant, plan,
    trainer). The passing goes through grading (the event makes the cooperative's plan)."""
    from kopedu.plans.models import BusinessPlan

    course = course or factories.course(title="Penguatan Kapasitas")
    assignment = assignment or factories.assignment(course)
    trainer = trainer or factories.trainer_of(course, full_name="Maria Seran")
    coop = factories.cooperative(village_code)
    participant = factories.user(full_name=full_name, phone=phone, cooperative_id=coop.id, position="Ketua")
    enrollment = factories.enrollment(participant, course)
    plan = BusinessPlan(assignment_id=assignment.id, user_id=participant.id, cooperative_id=coop.id,
                        data=copy.deepcopy(DATA), status="submitted")
    db.session.add(plan)
    grading.submit(assignment, enrollment, text="Rencana bisnis.", files=[], upload_dir="/nonexistent")
    submission = db.session.scalar(select(Submission).where(Submission.user_id == participant.id))
    levels = {c.id: max(int(level["points"]) for level in c.levels) for c in assignment.criteria}
    grading.grade(submission, trainer, version_number=1, levels=levels, outcome="lulus", feedback="Bagus.")
    db.session.flush()
    return participant, plan, trainer
