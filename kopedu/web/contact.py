"""Reaching a participant: a WhatsApp click-to-chat link with a polite reminder already written.

`https://wa.me/<number>?text=…` opens WhatsApp (the app on a phone, WhatsApp Web on a PC) on a chat with
that number and the text typed in, ready to send: the trainer or the lurah reads it, changes it if they
like and presses send. Nothing is sent by the app, and no WhatsApp account or API is involved.
"""
from urllib.parse import quote

from flask_babel import force_locale, gettext as _


def whatsapp_url(phone: str | None, text: str) -> str | None:
    """The click-to-chat address for an international number (62812…), or None without a usable one."""
    if not phone or not phone.isdigit() or not phone.startswith("62"):
        return None
    return f"https://wa.me/{phone}?text={quote(text, safe='')}"


def left_to_do(progress: int, pre: float | None = None, post: float | None = None, *,
               scores_known: bool = True) -> list[str]:
    """What the participant still has to do, in words, for the reminder (Indonesian)."""
    with force_locale("id"):
        left = []
        if scores_known and pre is None:
            left.append(_("mengerjakan pre-test"))
        if progress < 100:
            left.append(_("menyelesaikan materi (baru %(p)d%% selesai)", p=progress))
        if scores_known and post is None:
            left.append(_("mengerjakan post-test"))
        return left


def reminder_text(name: str, course: str, left: list[str], sender: str, site: str) -> str:
    """The reminder, in Indonesian: participants read it on their own phone, in the language they were
    trained in."""
    with force_locale("id"):
        items = "; ".join(left) if left else _("menyelesaikan kursus")
        return _("Selamat siang, Bapak/Ibu %(name)s. Kami mengingatkan dengan hormat pelatihan \"%(course)s\" "
                 "di KopEdu. Yang masih perlu diselesaikan: %(left)s. Silakan masuk di %(site)s. Bila ada "
                 "kesulitan, balas pesan ini. Terima kasih. — %(sender)s",
                 name=name, course=course, left=items, site=site, sender=sender)


def reminder_url(phone: str | None, *, name: str, course: str, left: list[str], sender: str,
                 site: str) -> str | None:
    """whatsapp_url with the reminder; None when nothing is left to do or there is no number."""
    if not left:
        return None
    return whatsapp_url(phone, reminder_text(name, course, left, sender, site))
