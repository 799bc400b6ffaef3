from flask_babel import lazy_gettext as _l, lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from kopedu.auth.models import POSITIONS, ROLES

ROLE_LABELS = {
    "participant": lazy_pgettext("role", "Peserta"),
    "trainer": lazy_pgettext("role", "Pelatih"),
    "admin": lazy_pgettext("role", "Admin"),
    "observer": lazy_pgettext("role", "Pemantau"),
}


class LoginForm(FlaskForm):
    login = StringField(_l("Nomor HP atau email"), validators=[DataRequired(_l("Isi nomor HP atau email."))])
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired(_l("Isi kata sandi."))])
    # "Tetap masuk": on by default; honoured for participants only (kopedu.auth.routes.login)
    remember = BooleanField(_l("Tetap masuk di HP ini"), default=True)


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Kata sandi lama"), validators=[DataRequired(_l("Wajib diisi."))])
    password = PasswordField(_l("Kata sandi baru"), validators=[DataRequired(_l("Wajib diisi.")), Length(max=128)])


class UserForm(FlaskForm):
    full_name = StringField(_l("Nama lengkap"), validators=[DataRequired(_l("Nama wajib diisi.")), Length(max=160)])
    phone = StringField(_l("Nomor HP"), validators=[Optional(), Length(max=30)])
    email = EmailField(_l("Email (boleh kosong)"), validators=[Optional(), Length(max=254)])
    role = SelectField(_l("Peran"), choices=[(r, ROLE_LABELS[r]) for r in ROLES])
    position = SelectField(_l("Jabatan"), choices=[("", "—")] + [(p, p) for p in POSITIONS], validators=[Optional()])
    organisation = StringField(_l("Instansi"), validators=[Optional(), Length(max=200)])
    cooperative_id = SelectField(_l("Koperasi"), coerce=lambda v: int(v) if v else None, validators=[Optional()])
    region = StringField(_l("Wilayah tugas: kode BPS atau nama (pemantau, pelatih)"), validators=[Optional(), Length(max=120)])
    password = PasswordField(_l("Kata sandi awal"), validators=[Optional(), Length(max=128)])
    active = BooleanField(_l("Aktif"), default=True)
