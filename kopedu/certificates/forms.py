from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

_REQUIRED = _l("Wajib diisi.")
_PERCENT = _l("Isi angka 0 sampai 100.")


class RulesForm(FlaskForm):
    auto_issue = BooleanField(_l("Terbitkan otomatis saat semua syarat terpenuhi"))
    require_lessons = BooleanField(_l("Semua materi wajib selesai dibaca"))
    require_quizzes = BooleanField(_l("Semua kuis dan post-test lulus (sesuai nilai lulus masing-masing)"))
    min_posttest_score = IntegerField(_l("Nilai post-test minimal (kosongkan jika tidak dipakai)"),
                                      validators=[Optional(), NumberRange(0, 100, _PERCENT)])
    require_assignments = BooleanField(_l("Tugas dinilai Lulus oleh pelatih"))
    min_attendance_pct = IntegerField(_l("Kehadiran tatap muka minimal, dalam persen (kosongkan jika tidak dipakai)"),
                                      validators=[Optional(), NumberRange(0, 100, _PERCENT)])


class IssueForm(FlaskForm):
    enrollment_id = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(_l("Alasan penerbitan manual"),
                           validators=[DataRequired(_l("Tulis alasannya.")), Length(max=500)])


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Alasan pencabutan (tampil di halaman verifikasi)"),
                           validators=[DataRequired(_l("Tulis alasannya.")), Length(max=500)])


class ExpiryForm(FlaskForm):
    expires_on = DateField(_l("Berlaku sampai (kosongkan jika tanpa batas)"), validators=[Optional()])


class RegenerateForm(FlaskForm):
    reason = TextAreaField(_l("Alasan dibuat ulang (mis. perbaikan nama)"),
                           validators=[DataRequired(_l("Tulis alasannya.")), Length(max=500)])
    use_current_template = BooleanField(_l("Pakai pengaturan templat terbaru (penanda tangan, logo, warna)"))


class TemplateForm(FlaskForm):
    title = StringField(_l("Judul"), validators=[DataRequired(_REQUIRED), Length(max=60)])
    header_lines = TextAreaField(_l("Kop (satu baris per baris)"), validators=[Length(max=600)])
    recipient_line = StringField(_l("Kalimat sebelum nama"), validators=[Length(max=200)])
    achievement_line = StringField(_l("Kalimat sebelum judul kursus"), validators=[Length(max=300)])
    closing_line = StringField(_l("Kalimat penutup (boleh kosong)"), validators=[Length(max=300)])
    issuer_name = StringField(_l("Penerbit (tampil di halaman verifikasi)"),
                              validators=[DataRequired(_REQUIRED), Length(max=200)])
    issue_place = StringField(_l("Tempat terbit"), validators=[DataRequired(_REQUIRED), Length(max=80)])
    serial_format = StringField(_l("Format nomor"), validators=[DataRequired(_REQUIRED), Length(max=120)])
    primary_colour = StringField(_l("Warna utama"), validators=[DataRequired(_REQUIRED), Length(max=7)])
    accent_colour = StringField(_l("Warna aksen"), validators=[DataRequired(_REQUIRED), Length(max=7)])
    logo = FileField(_l("Logo (PNG atau JPEG, maks. 1 MB)"))
    remove_logo = BooleanField(_l("Hapus logo (pakai logo bawaan)"))
    sig1_name = StringField(_l("Nama"), validators=[Length(max=160)])
    sig1_title = StringField(_l("Jabatan"), validators=[Length(max=200)])
    sig1_nip = StringField(_l("NIP"), validators=[Length(max=30)])
    sig1_signature = FileField(_l("Gambar tanda tangan (PNG atau JPEG)"))
    sig1_remove = BooleanField(_l("Hapus gambar tanda tangan"))
    sig2_name = StringField(_l("Nama"), validators=[Length(max=160)])
    sig2_title = StringField(_l("Jabatan"), validators=[Length(max=200)])
    sig2_nip = StringField(_l("NIP"), validators=[Length(max=30)])
    sig2_signature = FileField(_l("Gambar tanda tangan (PNG atau JPEG)"))
    sig2_remove = BooleanField(_l("Hapus gambar tanda tangan"))
    address = TextAreaField(_l("Alamat kantor (di bawah kop daftar hadir)"), validators=[Length(max=400)])
    approver_title = StringField(_l("Jabatan yang mengetahui"), validators=[Length(max=200)])
    approver_name = StringField(_l("Nama yang mengetahui"), validators=[Length(max=160)])
    approver_nip = StringField(_l("NIP yang mengetahui"), validators=[Length(max=30)])
