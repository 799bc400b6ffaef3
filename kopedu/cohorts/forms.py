from flask_babel import lazy_gettext as _l, lazy_pgettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, SelectMultipleField, StringField, TimeField, widgets
from wtforms.validators import DataRequired, Length, Optional

STATUS_LABELS = {
    None: _l("Belum"),
    "present": _l("Hadir"),
    "late": _l("Terlambat"),
    "absent": _l("Tidak hadir"),
    "excused": _l("Izin"),
}


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class CohortForm(FlaskForm):
    course_id = SelectField(_l("Kursus"), coerce=lambda v: int(v) if v else None,
                            validators=[DataRequired(_l("Pilih kursus."))])
    name = StringField(_l("Nama angkatan"), validators=[DataRequired(_l("Nama angkatan wajib diisi.")),
                                                        Length(max=200)])
    code = StringField(_l("Kode angkatan"), validators=[DataRequired(_l("Kode angkatan wajib diisi.")),
                                                        Length(max=40)])
    starts_on = DateField(_l("Mulai"), validators=[Optional()])
    ends_on = DateField(lazy_pgettext("date", "Selesai"), validators=[Optional()])
    venue = StringField(_l("Tempat"), validators=[Optional(), Length(max=200)])
    region = StringField(_l("Wilayah: kode BPS atau nama"), validators=[Optional(), Length(max=120)])
    trainer_ids = MultiCheckboxField(_l("Pelatih"), coerce=int, validators=[Optional()])


class SessionForm(FlaskForm):
    topic = StringField(_l("Topik"), validators=[DataRequired(_l("Topik wajib diisi.")), Length(max=200)])
    held_on = DateField(_l("Tanggal"), validators=[DataRequired(_l("Isi tanggal sesi."))])
    starts_at = TimeField(_l("Jam mulai"), validators=[DataRequired(_l("Isi jam mulai."))])
    ends_at = TimeField(_l("Jam selesai"), validators=[DataRequired(_l("Isi jam selesai."))])
    place = StringField(_l("Tempat (kosongkan bila sama dengan tempat angkatan)"),
                        validators=[Optional(), Length(max=200)])


class ImportForm(FlaskForm):
    file = FileField(_l("Berkas daftar peserta (.xlsx atau .csv)"),
                     validators=[FileRequired(_l("Pilih berkas."))])


class CheckInForm(FlaskForm):
    code = StringField(_l("Kode presensi (6 angka)"), validators=[DataRequired(_l("Isi kode 6 angka.")),
                                                                  Length(max=12)])
