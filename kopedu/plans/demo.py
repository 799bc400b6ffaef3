"""Demo data for the business-plan workbook and Kawal sama-sama (called by kopedu.demo.seed_demo), so
`make run` shows all of it: Melkianus Adoe (081200000019) halfway through the workbook, Hendrik Rihi
(081200000013) with his workbook sent to the trainer, and Daniel Manafe (081200000004, Kelurahan Kayu
Putih, Kecamatan Oebobo — the demo observer's kecamatan) whose plan the trainer passed two months ago,
with two monthly check-ins (the second with cash below the instalment, and this month not reported yet).
Idempotent: a participant who already has a workbook is left alone."""
from __future__ import annotations

import copy
from datetime import timedelta

from sqlalchemy import select

from kopedu.auth.models import User
from kopedu.courses.models import Assignment
from kopedu.extensions import db
from kopedu.learning.models import Enrollment

KEUANGAN = {
    "simpanan_pokok": "3.000.000", "simpanan_wajib": "15.000.000", "pinjaman": "24.000.000",
    "bunga_persen_tahun": "9", "tenor_bulan": "24", "alat": "12.000.000", "umur_alat_bulan": "48",
    "stok_awal": "25.000.000", "biaya_awal_lain": "1.000.000", "sewa": "1.000.000", "gaji": "2.500.000",
    "jumlah_pekerja": "1", "listrik": "600.000", "biaya_lain": "300.000",
    "produk": [{"nama": "Sembako", "satuan": "keluarga", "harga": "300.000", "jumlah": "150", "hpp": "264.000"},
               {"nama": "Se'i sapi", "satuan": "kg", "harga": "200.000", "jumlah": "72", "hpp": "176.000"}],
}
COMPLETE = {
    "profil": {"nama_usaha": "Gerai sembako dan se'i Kayu Putih",
               "ringkasan": "Gerai sembako untuk anggota dan warga, dengan se'i sapi buatan anggota.",
               "anggota": "120", "lokasi": "Jalan Kayu Putih, dekat pasar"},
    "potensi": {"potensi": "Peternak sapi dan pembuat se'i di kelurahan.",
                "kebutuhan": "Warga membeli sembako jauh di pasar kota.", "data": "Survei 40 rumah tangga."},
    "produk": {"produk": "Paket sembako keluarga dan se'i sapi per kg.",
               "harga": "Sembako Rp264.000 beli, Rp300.000 jual; se'i Rp176.000 beli, Rp200.000 jual.",
               "keunggulan": "Lebih dekat dan harga anggota."},
    "pasar": {"pembeli": "Anggota koperasi dan warga kelurahan.", "jumlah_pembeli": "150 keluarga",
              "pesaing": "Dua kios kecil, harga sedikit lebih mahal."},
    "pemasaran": {"cara": "Pengumuman di gereja dan masjid, brosur, harga anggota.",
                  "digital": "Katalog WhatsApp Business dan pembayaran QRIS."},
    "operasional": {"tempat": "Kios sewaan, buka 07.00–20.00.", "pemasok": "Distributor di Kupang, peternak anggota.",
                    "pencatatan": "Buku kas harian dan kartu stok."},
    "organisasi": {"pengelola": "Satu penjaga gerai bergaji, diawasi bendahara.",
                   "tugas": "Ketua: pemasok; bendahara: kas.", "pengawasan": "Pengawas memeriksa kas tiap bulan."},
    "keuangan": KEUANGAN,
    "risiko": {"rows": [{"risiko": "Barang rusak", "pencegahan": "Stok secukupnya, cek tanggal"},
                        {"risiko": "Piutang macet", "pencegahan": "Tidak ada utang di gerai"},
                        {"risiko": "Harga naik", "pencegahan": "Dua pemasok"}]},
    "rencana_aksi": {"tujuan": "Gerai buka di bulan 1; 150 keluarga belanja per bulan di bulan 3.",
                     "rows": [{"waktu": "Bulan 1", "kegiatan": "Rapat anggota setujui rencana", "penanggung_jawab": "Ketua",
                               "anggaran": "500.000", "indikator": "Notulen dan daftar hadir"},
                              {"waktu": "Bulan 1", "kegiatan": "Sewa dan perbaiki kios", "penanggung_jawab": "Ketua",
                               "anggaran": "1.500.000", "indikator": "Kios siap dipakai"},
                              {"waktu": "Bulan 2", "kegiatan": "Katalog WhatsApp Business dan QRIS",
                               "penanggung_jawab": "Sekretaris", "anggaran": "0", "indikator": "20 barang di katalog"},
                              {"waktu": "Bulan 3", "kegiatan": "Promosi harga anggota", "penanggung_jawab": "Bendahara",
                               "anggaran": "300.000", "indikator": "150 keluarga belanja"}]},
}
HALFWAY = {key: copy.deepcopy(COMPLETE[key]) for key in ("profil", "potensi", "produk", "pasar")}
HALFWAY["profil"]["nama_usaha"] = "Kios hasil laut Oesapa"

MID, SUBMITTED, PASSED = "6281200000019", "6281200000013", "6281200000004"


def _workbook_assignment() -> Assignment | None:
    from kopedu.plans.models import KIND

    return db.session.scalar(select(Assignment).where(Assignment.kind == KIND).order_by(Assignment.id))


def seed_plans() -> None:
    from kopedu.grading import services as grading
    from kopedu.plans import checkins
    from kopedu.plans import services as plans
    from kopedu.plans.kawal_models import Checkin, CheckinAction

    assignment = _workbook_assignment()
    if assignment is None:
        return
    course = assignment.lesson.module.course
    trainer = db.session.scalar(select(User).where(User.phone == "6281100000002"))

    def participant(phone):
        user = db.session.scalar(select(User).where(User.phone == phone))
        enrollment = user and db.session.scalar(select(Enrollment).where(Enrollment.user_id == user.id,
                                                                         Enrollment.course_id == course.id))
        if user is None or enrollment is None or plans.plan_of(assignment.id, user.id) is not None:
            return None, None
        return user, enrollment

    user, enrollment = participant(MID)
    if user is not None:
        plans.start(assignment, enrollment, user).data = copy.deepcopy(HALFWAY)

    user, enrollment = participant(SUBMITTED)
    if user is not None:
        plan = plans.start(assignment, enrollment, user)
        plan.data = copy.deepcopy(COMPLETE)
        plan.data["profil"]["nama_usaha"] = "Gerai sembako Oebobo"
        db.session.flush()
        plans.submit(plan, enrollment)

    user, enrollment = participant(PASSED)
    if user is not None and trainer is not None:
        plan = plans.start(assignment, enrollment, user)
        plan.data = copy.deepcopy(COMPLETE)
        db.session.flush()
        plans.submit(plan, enrollment)
        submission = plans.submission_of(plan)
        levels = {c.id: max(int(level["points"]) for level in c.levels) for c in assignment.criteria}
        grading.grade(submission, trainer, version_number=submission.version_count, levels=levels, outcome="lulus",
                      feedback="Rencana jelas dan angkanya masuk akal. Selamat menjalankan!")
        db.session.flush()
        kplan = checkins.plan_of_cooperative(user.cooperative_id)
        if kplan is not None and not kplan.checkins:
            # passed two months ago: months 1 and 2 reported, this month (3) not yet
            this_month = checkins.month_start(checkins.today())
            kplan.start_month = checkins.add_months(this_month, -2)
            kplan.passed_at = kplan.passed_at - timedelta(days=60)
            reports = [("58.000.000", "57.200.000", "4.800.000", ["selesai", "selesai", "berjalan", "belum"],
                        "Gerai buka tanggal 5; pembeli ramai di akhir bulan."),
                       ("47.500.000", "48.900.000", "900.000", ["selesai", "selesai", "berjalan", "belum"],
                        "Hujan, pembeli berkurang. QRIS belum aktif.")]
            for n, (sales, costs, cash, statuses, note) in enumerate(reports):
                month = checkins.add_months(kplan.start_month, n)
                checkin = Checkin(plan=kplan, month=month, reporter_id=user.id, sales=int(sales.replace(".", "")),
                                  costs=int(costs.replace(".", "")), cash=int(cash.replace(".", "")), note=note)
                for position, status in enumerate(statuses):
                    checkin.actions.append(CheckinAction(position=position, status=status))
                db.session.add(checkin)
                kplan.last_report_month = month
            db.session.flush()
            db.session.refresh(kplan)
            checkins.refresh_need(kplan)
