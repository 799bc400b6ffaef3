"""Draws the step-by-step pictures of the bundled course (SIMKOPDES, WhatsApp Business catalogue, QRIS
sign-up) as small palette PNGs. They are drawings of generic screens, not screenshots of any app: menu
names in the real apps may differ, and the lessons say so.

    python content/tools/gambar_langkah.py      # writes the PNGs into the module folders

Needs Pillow and the DejaVu Sans font (fonts-dejavu-core)."""
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

COURSE = Path(__file__).resolve().parents[1] / "courses" / "penguatan-kapasitas-pengurus-kmp"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
W, H = 480, 560
INK, MUTED, LINE, PAPER = "#1f2933", "#52606d", "#cbd2d9", "#ffffff"
RED, GREEN, BLUE, PALE = "#b91c1c", "#15803d", "#1d4ed8", "#f1f5f9"


def font(size, bold=False):
    return ImageFont.truetype(BOLD if bold else FONT, size)


def phone(step: int, caption: str, title: str, colour: str):
    """A phone outline with a coloured title bar; the step number and caption above it."""
    image = Image.new("RGB", (W, H), PAPER)
    draw = ImageDraw.Draw(image)
    draw.ellipse((16, 14, 64, 62), fill=RED)
    draw.text((40, 38), str(step), font=font(26, True), fill=PAPER, anchor="mm")
    draw.text((78, 38), caption, font=font(22, True), fill=INK, anchor="lm")
    draw.rounded_rectangle((70, 80, 410, 548), radius=28, outline=INK, width=4)
    draw.rectangle((86, 110, 394, 158), fill=colour)
    draw.text((102, 134), title, font=font(20, True), fill=PAPER, anchor="lm")
    return image, draw


def button(draw, y, label, colour=GREEN, highlight=True):
    draw.rounded_rectangle((110, y, 370, y + 44), radius=10, fill=colour)
    draw.text((240, y + 22), label, font=font(18, True), fill=PAPER, anchor="mm")
    if highlight:
        draw.rounded_rectangle((102, y - 8, 378, y + 52), radius=14, outline=RED, width=4)


def field(draw, y, label, value=""):
    draw.text((110, y), label, font=font(15), fill=MUTED)
    draw.rectangle((110, y + 22, 370, y + 58), outline=LINE, width=2)
    draw.text((118, y + 40), value, font=font(16), fill=INK, anchor="lm")


def rows(draw, y, items, marked=None, tick=False):
    for index, text in enumerate(items):
        top = y + index * 52
        if index == marked:
            draw.rounded_rectangle((98, top - 4, 382, top + 42), radius=10, outline=RED, width=4)
        draw.rectangle((106, top, 374, top + 38), fill=PALE)
        if tick:
            draw.text((118, top + 19), "✓", font=font(20, True), fill=GREEN, anchor="lm")
        draw.text((144 if tick else 118, top + 19), text, font=font(16), fill=INK, anchor="lm")


def save(image, path: Path):
    image.quantize(colors=16, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)


def simkopdes(folder: Path):
    colour = "#7f1d1d"
    image, draw = phone(1, "Masuk dengan akun koperasi", "SIMKOPDES", colour)
    field(draw, 190, "Email atau nomor HP", "ketua.kkmp@...")
    field(draw, 270, "Kata sandi", "••••••••")
    button(draw, 370, "Masuk")
    draw.text((240, 460), "Akun dipegang pengurus.", font=font(15), fill=MUTED, anchor="mm")
    draw.text((240, 484), "Jangan bagikan kata sandi.", font=font(15), fill=MUTED, anchor="mm")
    save(image, folder / "simkopdes-1-masuk.png")

    image, draw = phone(2, "Lengkapi data koperasi", "Data koperasi", colour)
    rows(draw, 180, ["Profil, akta, NIB, NPWP", "Anggota", "Pengurus dan pengawas", "Lokasi gerai", "Rencana bisnis"],
         tick=True)
    draw.rectangle((110, 460, 370, 476), outline=LINE, width=2)
    draw.rectangle((110, 460, 370, 476), fill=GREEN)
    draw.text((240, 500), "Data sama dengan buku koperasi", font=font(15), fill=MUTED, anchor="mm")
    save(image, folder / "simkopdes-2-data.png")

    image, draw = phone(3, "Pilih layanan yang diajukan", "Layanan", colour)
    rows(draw, 190, ["Outlet LPG 3 kg", "Pembiayaan bank", "Pasokan pangan", "Pupuk bersubsidi"], marked=0)
    draw.text((240, 420), "Contoh: mendaftar outlet LPG", font=font(15), fill=MUTED, anchor="mm")
    button(draw, 450, "Kirim pengajuan")
    save(image, folder / "simkopdes-3-layanan.png")

    image, draw = phone(4, "Tunggu verifikasi", "Status pengajuan", colour)
    steps = [("Dikirim koperasi", True), ("Diperiksa mitra", True), ("Disahkan", False), ("Mulai melayani", False)]
    for index, (text, done) in enumerate(steps):
        y = 200 + index * 70
        draw.ellipse((112, y, 140, y + 28), fill=GREEN if done else PAPER, outline=GREEN if done else LINE, width=3)
        if index < len(steps) - 1:
            draw.line((126, y + 30, 126, y + 68), fill=LINE, width=3)
        draw.text((156, y + 14), text, font=font(17, done), fill=INK if done else MUTED, anchor="lm")
    draw.text((240, 500), "Cek status setiap minggu", font=font(15), fill=MUTED, anchor="mm")
    save(image, folder / "simkopdes-4-status.png")


def whatsapp(folder: Path):
    colour = "#166534"
    image, draw = phone(1, "Buka Alat bisnis", "Alat bisnis", colour)
    rows(draw, 180, ["Profil bisnis", "Katalog", "Pesan salam", "Balasan cepat", "Label"], marked=1)
    save(image, folder / "wa-katalog-1-alat-bisnis.png")

    image, draw = phone(2, "Tambah barang baru", "Katalog", colour)
    draw.text((240, 220), "Katalog masih kosong", font=font(17), fill=MUTED, anchor="mm")
    button(draw, 270, "+ Tambah barang")
    save(image, folder / "wa-katalog-2-tambah.png")

    image, draw = phone(3, "Isi foto, harga, keterangan", "Barang baru", colour)
    draw.rectangle((110, 176, 200, 250), fill=PALE, outline=LINE, width=2)
    draw.text((155, 213), "Foto", font=font(15), fill=MUTED, anchor="mm")
    field(draw, 262, "Nama barang", "Sambal lu'at 150 g")
    field(draw, 332, "Harga", "Rp25.000")
    field(draw, 402, "Keterangan", "Berat, tgl dibuat, P-IRT")
    button(draw, 478, "Simpan", highlight=False)
    save(image, folder / "wa-katalog-3-isi.png")

    image, draw = phone(4, "Bagikan katalog", "Katalog", colour)
    for index, (name, price) in enumerate([("Sambal lu'at 150 g", "Rp25.000"), ("Ikan kering 250 g", "Rp40.000"),
                                           ("Jagung bose 1 kg", "Rp18.000")]):
        y = 176 + index * 70
        draw.rectangle((106, y, 160, y + 54), fill=PALE, outline=LINE, width=2)
        draw.text((172, y + 16), name, font=font(16), fill=INK, anchor="lm")
        draw.text((172, y + 40), price, font=font(15, True), fill=MUTED, anchor="lm")
    button(draw, 420, "Bagikan tautan")
    save(image, folder / "wa-katalog-4-bagikan.png")


def qris(folder: Path):
    colour = "#1e3a8a"
    image, draw = phone(1, "Siapkan dokumen", "Daftar pedagang", colour)
    rows(draw, 176, ["Akta dan SK badan hukum", "NIB dan NPWP koperasi", "KTP pengurus", "Rekening koperasi",
                     "Foto tempat usaha"], tick=True)
    save(image, folder / "qris-1-dokumen.png")

    image, draw = phone(2, "Isi formulir di bank", "Formulir pedagang", colour)
    field(draw, 176, "Nama usaha", "Toko KKMP Sikumana")
    field(draw, 246, "Jenis usaha", "Toko sembako")
    field(draw, 316, "Rekening penerima", "a.n. Koperasi ...")
    button(draw, 410, "Kirim")
    save(image, folder / "qris-2-formulir.png")

    image, draw = phone(3, "Tempel stiker QRIS", "Stiker QRIS", colour)
    draw.rectangle((150, 180, 330, 360), outline=INK, width=3)
    pattern = random.Random(7)  # a made-up pattern: a drawing of a sticker, not a payable code
    for row in range(12):
        for column in range(12):
            if pattern.random() < 0.45:
                x, y = 162 + column * 13, 192 + row * 13
                draw.rectangle((x, y, x + 11, y + 11), fill=INK)
    draw.text((240, 386), "Contoh gambar, bukan kode asli", font=font(14), fill=MUTED, anchor="mm")
    draw.text((240, 420), "Satu kode untuk semua aplikasi", font=font(16, True), fill=INK, anchor="mm")
    draw.text((240, 448), "Tanpa biaya tambahan bagi pembeli", font=font(15), fill=MUTED, anchor="mm")
    save(image, folder / "qris-3-stiker.png")

    image, draw = phone(4, "Cek uang masuk dulu", "Aplikasi bank koperasi", colour)
    draw.rounded_rectangle((100, 180, 380, 262), radius=12, fill=PALE, outline=GREEN, width=3)
    draw.text((116, 204), "Dana masuk", font=font(16, True), fill=GREEN, anchor="lm")
    draw.text((116, 236), "QRIS Rp25.000 · 10.42", font=font(16), fill=INK, anchor="lm")
    draw.text((240, 310), "Serahkan barang setelah", font=font(16), fill=INK, anchor="mm")
    draw.text((240, 336), "notifikasi ini muncul.", font=font(16), fill=INK, anchor="mm")
    draw.text((240, 380), "Layar HP pembeli bisa palsu.", font=font(15), fill=RED, anchor="mm")
    save(image, folder / "qris-4-cek.png")


if __name__ == "__main__":
    simkopdes(COURSE / "02-tata-kelola-organisasi")
    whatsapp(COURSE / "05-pengembangan-usaha-digital")
    qris(COURSE / "05-pengembangan-usaha-digital")
