"""Tests of the GIFT reader/writer (kopedu.courses.gift)."""

from kopedu.courses import gift
from kopedu.courses.gift import Choice, Question


def only(text: str) -> Question:
    """Parse text that must hold exactly one good question."""
    result = gift.parse(text)
    assert result.errors == []
    assert len(result.questions) == 1
    return result.questions[0]


def codes(result: gift.ParseResult) -> list[tuple[int, str]]:
    return [(e.line, e.code) for e in result.errors]


# --------------------------------------------------------------------------- question types


def test_single_choice():
    q = only("Koperasi berasaskan ... {=kekeluargaan ~persaingan ~keuntungan pribadi}")
    assert q.kind == "single"
    assert q.text == "Koperasi berasaskan ..."
    assert q.choices == [
        Choice("kekeluargaan", True, 100.0),
        Choice("persaingan", False, 0.0),
        Choice("keuntungan pribadi", False, 0.0),
    ]
    assert q.answers == []
    assert q.line == 1


def test_single_choice_with_penalty():
    q = only("Pilih satu {=benar ~%-50%salah sekali ~salah}")
    assert q.kind == "single"
    assert [(c.text, c.correct, c.weight) for c in q.choices] == [
        ("benar", True, 100.0),
        ("salah sekali", False, -50.0),
        ("salah", False, 0.0),
    ]


def test_multiple_choice_weights():
    q = only(
        "Pilih DUA jenis simpanan. {\n"
        "  ~%50%simpanan pokok\n"
        "  ~%50%simpanan wajib\n"
        "  ~%-100%simpanan sukarela\n"
        "  ~hibah\n"
        "}"
    )
    assert q.kind == "multiple"
    assert [(c.text, c.correct, c.weight) for c in q.choices] == [
        ("simpanan pokok", True, 50.0),
        ("simpanan wajib", True, 50.0),
        ("simpanan sukarela", False, -100.0),
        ("hibah", False, 0.0),
    ]


def test_multiple_choice_decimal_weights_are_read_as_moodles_list_values():
    q = only("Tiga benar {~%33.333%a ~%33.33333%b ~%33.334%c ~%-25%d}")
    assert q.kind == "multiple"
    assert [c.weight for c in q.choices] == [33.33333, 33.33333, 33.33333, -25.0]
    assert [c.correct for c in q.choices] == [True, True, True, False]


def test_multiple_choice_with_one_full_weight_tilde_stays_multiple():
    q = only("Satu benar, tetap pilihan jamak {~%100%a ~%-100%b ~c}")
    assert q.kind == "multiple"
    assert [c.correct for c in q.choices] == [True, False, False]


def test_weight_after_equals_in_a_choice_question_is_refused():
    # Moodle ignores a weight after '=' in a choice question: it shows "%50%a" as a right answer.
    result = gift.parse("Dua benar {=%50%a =%50%b ~%-100%c}\n\nSatu {=%100%benar ~salah}")
    assert codes(result) == [(1, "weight_after_equals"), (3, "weight_after_equals")]
    assert result.errors[0].params == {"weight": "50"}


def test_single_choice_needs_exactly_one_right_answer():
    # Moodle makes both radio answers worth 100%, or gives partial credit to a wrong answer.
    result = gift.parse("Dua {=a =b ~c}\n\nSebagian {=a ~%50%b ~c}")
    assert codes(result) == [(1, "single_one_correct"), (3, "single_one_correct")]


def test_true_false_all_spellings():
    for mark, truth in [("T", True), ("TRUE", True), ("F", False), ("FALSE", False),
                        (" TRUE ", True), ("F #salah", False)]:
        q = only("Rapat Anggota adalah kekuasaan tertinggi. {" + mark + "}")
        assert q.kind == "truefalse", mark
        assert [(c.text, c.correct, c.weight) for c in q.choices] == [
            ("Benar", truth, 100.0 if truth else 0.0),
            ("Salah", not truth, 0.0 if truth else 100.0),
        ], mark


def test_true_false_in_lower_case_is_refused():
    # Moodle reads {true} as a short answer whose only answer is "true".
    result = gift.parse("A {true}\n\nB {t}\n\nC {False#x}")
    assert codes(result) == [(1, "truefalse_case"), (3, "truefalse_case"), (5, "truefalse_case")]
    assert result.errors[0].params == {"answer": "{true}"}


def test_true_false_feedback_wrong_then_right():
    q = only("Pernyataan benar. {T#Keliru, ini benar.#Tepat sekali.}")
    benar, salah = q.choices
    assert (benar.text, benar.correct, benar.feedback) == ("Benar", True, "Tepat sekali.")
    assert (salah.text, salah.correct, salah.feedback) == ("Salah", False, "Keliru, ini benar.")

    q = only("Pernyataan salah. {F#Keliru.#Tepat.}")
    benar, salah = q.choices
    assert (benar.correct, benar.feedback) == (False, "Keliru.")
    assert (salah.correct, salah.feedback) == (True, "Tepat.")


def test_true_false_only_one_feedback_and_general_feedback():
    q = only("P {F#Salah pilih ####Umum untuk semua}")
    assert [c.feedback for c in q.choices] == ["Salah pilih", ""]
    assert q.feedback == "Umum untuk semua"


def test_short_answer():
    q = only("Sisa Hasil Usaha disingkat ... {=SHU =S.H.U. =sisa hasil usaha}")
    assert q.kind == "short"
    assert q.answers == ["SHU", "S.H.U.", "sisa hasil usaha"]
    assert q.choices == [Choice("SHU", True, 100.0), Choice("S.H.U.", True, 100.0),
                         Choice("sisa hasil usaha", True, 100.0)]


def test_short_answer_weights_and_feedback_are_kept():
    q = only("Ibu kota? {=Jakarta #Tepat =%50%DKI #Hampir =%0%Bandung #Itu Jawa Barat =%-10%Bogor}")
    assert q.kind == "short"
    assert q.answers == ["Jakarta", "DKI"]
    assert q.choices == [Choice("Jakarta", True, 100.0, "Tepat"), Choice("DKI", True, 50.0, "Hampir"),
                         Choice("Bandung", False, 0.0, "Itu Jawa Barat"), Choice("Bogor", False, -10.0)]


def test_short_answer_needs_an_answer_worth_100():
    assert codes(gift.parse("Ibu kota? {=%50%DKI =%0%Bandung}")) == [(1, "no_full_answer")]


def test_short_answer_matching_follows_moodle_order_and_wildcard():
    assert gift.answer_matches("SHU", " shu. ")
    assert not gift.answer_matches("SHU", "")
    assert gift.answer_matches("*", "apa saja")
    assert gift.answer_matches("koperasi *", "Koperasi Desa Merah Putih")
    assert not gift.answer_matches("koperasi *", "bukan koperasi")
    assert gift.answer_matches("5\\*", "5*") and not gift.answer_matches("5\\*", "55")


def test_short_answer_multiline_with_feedback():
    q = only("Singkatan koperasi desa? {\n=KDMP #ok\n=KopDes\n####Koperasi Desa Merah Putih\n}")
    assert q.answers == ["KDMP", "KopDes"]
    assert q.feedback == "Koperasi Desa Merah Putih"


# --------------------------------------------------------------------------- feedback, titles


def test_per_answer_and_general_feedback():
    q = only(
        "Keanggotaan koperasi bersifat ... {\n"
        "  =sukarela dan terbuka #Benar. Ini prinsip pertama.\n"
        "  ~wajib bagi semua warga #Bukan. Tidak ada paksaan.\n"
        "  ~hanya untuk pegawai negeri\n"
        "  ####Lihat UU 25/1992 pasal 5.\n"
        "}"
    )
    assert [c.feedback for c in q.choices] == [
        "Benar. Ini prinsip pertama.",
        "Bukan. Tidak ada paksaan.",
        "",
    ]
    assert q.feedback == "Lihat UU 25/1992 pasal 5."


def test_title():
    q = only("::Prinsip pertama::Keanggotaan bersifat ... {=sukarela ~wajib}")
    assert q.title == "Prinsip pertama"
    assert q.text == "Keanggotaan bersifat ..."


def test_title_on_its_own_line_and_with_escaped_colon():
    q = only("::Bab 1\\: Dasar::\nApa itu koperasi? {=badan usaha ~yayasan}")
    assert q.title == "Bab 1: Dasar"
    assert q.text == "Apa itu koperasi?"


def test_no_title_is_empty_string():
    q = only("Tanpa judul {T}")
    assert q.title == ""


# --------------------------------------------------------------------------- categories, comments


def test_categories_apply_to_following_questions():
    result = gift.parse(
        "Sebelum kategori {T}\n"
        "\n"
        "$CATEGORY: Dasar perkoperasian\n"
        "\n"
        "Satu {T}\n"
        "\n"
        "Dua {F}\n"
        "\n"
        "$CATEGORY: Keuangan/SHU\n"
        "\n"
        "Tiga {=SHU}\n"
    )
    assert result.errors == []
    assert [(q.text, q.category) for q in result.questions] == [
        ("Sebelum kategori", ""),
        ("Satu", "Dasar perkoperasian"),
        ("Dua", "Dasar perkoperasian"),
        ("Tiga", "Keuangan/SHU"),
    ]
    assert [q.line for q in result.questions] == [1, 5, 7, 11]


def test_category_must_be_a_block_of_its_own():
    # Moodle reads a $CATEGORY block whole: a question right under it becomes part of the name.
    result = gift.parse("$CATEGORY: A\nSatu {T}\n\nDua {F}\n$CATEGORY: B\n\nTiga {T}\n\n$category: c\n")
    assert codes(result) == [(1, "category_not_alone"), (5, "category_not_alone"), (9, "missing_answer_block")]
    assert [(q.text, q.category) for q in result.questions] == [("Tiga", "A")]


def test_comment_lines_are_ignored_everywhere():
    result = gift.parse(
        "// komentar di awal\n"
        "   // komentar menjorok\n"
        "::A::Soal A {\n"
        "// komentar di dalam blok jawaban\n"
        "=ya\n"
        "~tidak\n"
        "}\n"
        "\n"
        "// komentar antar soal\n"
        "\n"
        "Soal B, lihat http://koperasi.go.id // bukan komentar {T}\n"
    )
    assert result.errors == []
    a, b = result.questions
    assert [c.text for c in a.choices] == ["ya", "tidak"]
    assert a.line == 3
    assert b.text == "Soal B, lihat http://koperasi.go.id // bukan komentar"
    assert b.line == 11


# --------------------------------------------------------------------------- escapes


def test_every_escape_in_question_text():
    q = only(r"Tanda \~ \= \# \{ \} \: dan \\ lalu\nbaris baru {T}")
    assert q.text == "Tanda ~ = # { } : dan \\ lalu\nbaris baru"


def test_escapes_in_answers_and_feedback():
    q = only(r"Rumus? {=a \= b \~ c #pakai \# dan \{x\} ~1\:2 #tidak\nbenar}")
    assert q.kind == "single"
    assert q.choices[0] == Choice("a = b ~ c", True, 100.0, "pakai # dan {x}")
    assert q.choices[1] == Choice("1:2", False, 0.0, "tidak\nbenar")


def test_unknown_backslash_sequence_is_kept():
    q = only(r"Folder C:\Data\kop {=ok}")
    assert q.text == "Folder C:\\Data\\kop"


# --------------------------------------------------------------------------- layout


def test_multiline_question_and_answers():
    q = only(
        "::Multi::Baca kasus berikut.\n"
        "Koperasi X membagi SHU\n"
        "  - 40% jasa modal\n"
        "Apakah benar? {\n"
        "  =Ya, sesuai\n"
        "   AD/ART #Benar\n"
        "  ~Tidak\n"
        "}"
    )
    assert q.text == "Baca kasus berikut.\nKoperasi X membagi SHU\n  - 40% jasa modal\nApakah benar?"
    assert q.choices[0] == Choice("Ya, sesuai\nAD/ART", True, 100.0, "Benar")
    assert q.choices[1] == Choice("Tidak", False, 0.0)


def test_format_prefixes_are_stripped_where_moodle_strips_them():
    assert only("[markdown]**Tebal** {T}").text == "**Tebal**"
    assert only("::J::[html] <b>x</b> {T}").text == "<b>x</b>"
    assert only("[PLAIN]Polos {T}").text == "[PLAIN]Polos"  # Moodle knows the names in lower case only
    assert only("[catatan] teks {T}").text == "[catatan] teks"
    q = only("[html]Soal {\n=[plain]a #[html]ya\n~[markdown]b #[moodle]tidak\n####[html]umum\n}")
    assert [(c.text, c.feedback) for c in q.choices] == [("a", "ya"), ("b", "tidak")]
    assert q.feedback == "umum"
    q = only("Soal {T#[html]salah#[plain]benar ####[markdown]umum}")
    assert [c.feedback for c in q.choices] == ["benar", "salah"] and q.feedback == "umum"
    q = only("Soal {=[plain]SHU #[html]bagus}")
    assert q.answers == ["SHU"] and q.choices[0].feedback == "bagus"


def test_text_after_closing_brace():
    q = only("Koperasi didirikan minimal oleh {=9 =sembilan} orang.")
    assert q.text == "Koperasi didirikan minimal oleh _____ orang."
    assert q.answers == ["9", "sembilan"]

    q = only("{=Rapat Anggota ~Pengurus} adalah kekuasaan tertinggi.")
    assert q.text == "_____ adalah kekuasaan tertinggi."


def test_crlf_and_bom_input():
    result = gift.parse("\ufeff::A::Satu {T}\r\n\r\n::B::Dua\r\nbaris {=x ~y}\r\n")
    assert result.errors == []
    assert [(q.title, q.text, q.line) for q in result.questions] == [
        ("A", "Satu", 1),
        ("B", "Dua\nbaris", 3),
    ]


FULL_FILE = """\
// Bank soal pre-test Koperasi Merah Putih
$CATEGORY: Dasar perkoperasian

::Q1 Prinsip::Keanggotaan koperasi bersifat ... {
  =sukarela dan terbuka #Benar. Ini prinsip pertama.
  ~wajib bagi semua warga #Bukan. Tidak ada paksaan.
  ~hanya untuk pegawai negeri
}

::Q2 Organ tertinggi::Rapat Anggota adalah pemegang kekuasaan tertinggi dalam koperasi. {T}

::Q3 Simpanan::Pilih DUA jenis simpanan yang wajib dibayar anggota. {
  ~%50%simpanan pokok
  ~%50%simpanan wajib
  ~%-100%simpanan sukarela
}

::Q4 Singkatan::Sisa Hasil Usaha disingkat ... {=SHU =S.H.U.}

::Q5 Landasan::Landasan hukum perkoperasian Indonesia adalah UU Nomor ... Tahun 1992. {
  =25
  =dua puluh lima
}

::Q6 Pengurus::Pengurus dipilih oleh pengawas. {F#Keliru: pengurus dipilih Rapat Anggota.#Tepat.}

$CATEGORY: Keuangan

::Q7 Modal::Modal sendiri koperasi berasal dari ... {
  ~%33.333%simpanan pokok
  ~%33.333%simpanan wajib
  ~%33.334%dana cadangan
  ~%-50%pinjaman bank
  ####Modal pinjaman bukan modal sendiri.
}

::Q8 SHU::SHU dibagikan kepada anggota sebanding dengan jasa usaha masing-masing. {TRUE}

::Q9 Laporan::Laporan pertanggungjawaban pengurus disampaikan dalam ... {
  =Rapat Anggota Tahunan
  ~rapat pengurus
  ~rapat RT
}

::Q10 Cadangan::Dana cadangan boleh dibagikan kepada anggota. {FALSE}

::Q11 Istilah::
Badan usaha yang beranggotakan orang seorang disebut
{=koperasi =koperasi primer}

$CATEGORY: Tata kelola

::Q12 Pengawas::Tugas pengawas meliputi ... {
  ~%50%mengawasi kebijakan pengurus
  ~%50%membuat laporan pengawasan
  ~%-50%menjalankan usaha sehari-hari
}

::Q13 Rapat::Rapat Anggota diadakan paling sedikit ... kali setahun. {
  =sekali #Benar, minimal sekali.
  ~dua kali
  ~tiga kali
}

::Q14 Isian::Koperasi Desa Merah Putih disingkat {=KDMP =Kopdes MP} di banyak dokumen.
"""


def test_full_file_of_all_types_parses_without_errors():
    result = gift.parse(FULL_FILE)
    assert result.errors == []
    assert result.ok is True
    assert len(result.questions) == 14
    assert [q.kind for q in result.questions] == [
        "single", "truefalse", "multiple", "short", "short", "truefalse", "multiple",
        "truefalse", "single", "truefalse", "short", "multiple", "single", "short",
    ]
    assert [q.title for q in result.questions][:3] == ["Q1 Prinsip", "Q2 Organ tertinggi",
                                                       "Q3 Simpanan"]
    assert [q.category for q in result.questions] == (
        ["Dasar perkoperasian"] * 6 + ["Keuangan"] * 5 + ["Tata kelola"] * 3
    )
    assert [q.line for q in result.questions] == [4, 10, 12, 18, 20, 25, 29, 37, 39, 45, 47, 53,
                                                  59, 65]
    by_title = {q.title: q for q in result.questions}
    assert by_title["Q5 Landasan"].answers == ["25", "dua puluh lima"]
    assert by_title["Q11 Istilah"].text == (
        "Badan usaha yang beranggotakan orang seorang disebut"
    )
    assert by_title["Q14 Isian"].text == (
        "Koperasi Desa Merah Putih disingkat _____ di banyak dokumen."
    )
    assert by_title["Q7 Modal"].feedback == "Modal pinjaman bukan modal sendiri."
    assert by_title["Q6 Pengurus"].choices[0].feedback == "Keliru: pengurus dipilih Rapat Anggota."


# --------------------------------------------------------------------------- errors


MALFORMED = """\
::Baik 1::Soal baik pertama {=ya ~tidak}

::Tanpa blok::Soal ini lupa blok jawabannya.

::Baik 2::Soal baik kedua {T}

::Tak ditutup::Soal ini {
  =ya
  ~tidak

::Baik 3::Soal baik ketiga {=SHU}

::Tanpa benar::Pilih satu {
  ~a
  ~b
}

::Bobot::Pilih dua {
  ~%50%a
  ~%40%b
  ~c
}

::Judul tak ditutup Soal {T}

::Kosong::Pilih {=a ~}

::Bobot aneh::Pilih {~%abc%a ~%100%b}

::Terlalu besar::Pilih {~%150%a ~b}

{=hanya jawaban ~tanpa teks}

::Dua blok::Soal satu {T}
Soal dua {F}

::Baik 4::Soal baik keempat {
  ~%50%a
  ~%50%b
}
"""


def test_malformed_questions_reported_with_line_numbers_and_good_ones_parse():
    result = gift.parse(MALFORMED)
    assert [q.title for q in result.questions] == ["Baik 1", "Baik 2", "Baik 3", "Baik 4"]
    assert [q.line for q in result.questions] == [1, 5, 11, 37]
    assert codes(result) == [
        (3, "missing_answer_block"),
        (7, "unclosed_answer_block"),
        (13, "no_correct_answer"),
        (18, "weights_sum"),
        (24, "unclosed_title"),
        (26, "empty_answer"),
        (28, "invalid_weight"),
        (30, "weight_out_of_range"),
        (32, "empty_question_text"),
        (34, "multiple_answer_blocks"),
    ]
    by_code = {e.code: e for e in result.errors}
    assert by_code["no_correct_answer"].message == "Jawaban benar tidak ditemukan"
    assert by_code["weights_sum"].message == "Jumlah bobot positif harus 100%, tertulis 90%"
    assert by_code["weights_sum"].params == {"total": "90"}
    assert by_code["missing_answer_block"].message == "Blok jawaban { } tidak ditemukan"
    assert by_code["invalid_weight"].message.startswith("Bobot tidak valid: %abc%;")
    assert by_code["weight_out_of_range"].params == {"weight": "150"}


def test_blank_line_inside_answer_block_is_one_error():
    result = gift.parse(
        "::A::Soal {\n"
        "  =ya\n"
        "\n"
        "  ~tidak\n"
        "\n"
        "  ~mungkin\n"
        "}\n"
        "\n"
        "::B::Soal berikutnya {T}\n"
    )
    assert codes(result) == [(1, "answer_block_interrupted")]
    assert [(q.title, q.line) for q in result.questions] == [("B", 9)]


def test_unclosed_block_followed_by_new_question_does_not_swallow_it():
    result = gift.parse("::A::Soal {=ya ~tidak\n\n::B::Soal {T}\n")
    assert codes(result) == [(1, "unclosed_answer_block")]
    assert [q.title for q in result.questions] == ["B"]


def test_stray_braces_are_reported():
    result = gift.parse("Soal } aneh {T}\n\nSoal {=a {~b}\n\nSoal {T} lalu }\n")
    assert codes(result) == [
        (1, "unexpected_closing_brace"),
        (3, "unexpected_opening_brace"),
        (5, "unexpected_closing_brace"),
    ]


def test_text_before_first_answer_marker_is_refused():
    result = gift.parse("Soal {jawaban =a ~b}\n\nSoal {hanya teks}\n")
    assert codes(result) == [(1, "bad_answer_format"), (3, "bad_answer_format")]
    assert result.questions == []


def test_weights_off_moodles_list_are_refused_with_the_nearest_allowed_values():
    result = gift.parse("A {~%35%a ~%65%b}\n\nB {~%33.33%a ~%33.33%b ~%33.34%c}\n\nC {=a ~%-12%b}\n\n"
                        "D {=SHU =%45%S.H.U}")
    assert codes(result) == [(1, "weight_not_allowed"), (3, "weight_not_allowed"), (5, "weight_not_allowed"),
                             (7, "weight_not_allowed")]
    assert result.errors[0].params == {"weight": "35", "lower": "33.33333", "upper": "40"}
    assert result.errors[0].message == (
        "Bobot 35% tidak ada dalam daftar bobot Moodle; pakai 33.33333% atau 40%")
    assert result.errors[2].params == {"weight": "-12", "lower": "-12.5", "upper": "-11.11111"}


def test_every_value_of_moodles_list_is_accepted():
    assert len(gift.GRADES) == 41 and 100.0 in gift.GRADES and -14.28571 in gift.GRADES
    for weight in gift.GRADES:
        if weight < 0:
            q = only(f"Soal {{=a ~%{weight:g}%b}}")
            assert q.choices[1].weight == weight
        if weight > 0:
            q = only(f"Soal {{=a =%{weight:g}%b}}")
            assert q.choices[1].weight == weight


def test_weights_moodle_does_not_read_as_weights_are_refused():
    # Moodle keeps these as part of the answer text, with weight 0.
    result = gift.parse("A {~%33,3%a ~b}\n\nB {~%+50%a ~%50%b}\n\nC {~%100.0%a ~b}\n\nD {~%--50%a ~b}")
    assert [c for _, c in codes(result)] == ["invalid_weight"] * 4
    assert result.errors[0].params == {"weight": "33,3"}


def test_huge_weight_is_a_parse_error_not_an_exception():
    result = gift.parse("Soal {~%" + "9" * 309 + "%a ~b}\n\nSoal {~%1" + "0" * 400 + ".5%a ~b}")
    assert codes(result) == [(1, "weight_out_of_range"), (3, "invalid_weight")]
    assert len(result.errors[0].message) < 120


def test_arrow_in_a_choice_answer_is_multiple_choice_not_matching():
    # Moodle: a block with ~ is multichoice, whatever else it holds.
    q = only("Alur kas? {=masuk -> keluar ~keluar -> masuk}")
    assert q.kind == "single" and q.choices[0].text == "masuk -> keluar"
    assert only("Alur kas? {=masuk -> keluar =keluar -> masuk}").kind == "matching"


def test_multiple_choice_with_single_choice_is_refused():
    result = gift.parse("Soal {~%100%satu-satunya}")
    assert codes(result) == [(1, "too_few_choices")]


def test_essay_is_refused_and_matching_and_numerical_are_read():
    result = gift.parse(
        "::Jodoh::Pasangkan. {\n"
        "  =RA -> Rapat Anggota\n"
        "  =SHU -> Sisa Hasil Usaha\n"
        "}\n"
        "\n"
        "::Angka::Berapa minimal pendiri? {#9:0}\n"
        "\n"
        "::Angka2::Berapa? {#=9 =%50%10}\n"
        "\n"
        "::Esai::Jelaskan prinsip koperasi. {}\n"
        "\n"
        "::Esai2::Jelaskan lagi. {####Jawaban panjang.}\n"
        "\n"
        "::Baik::Masih dibaca {T}\n"
    )
    assert codes(result) == [(10, "unsupported_essay"), (12, "unsupported_essay")]
    assert result.errors[0].message == "Soal esai ({}) tidak didukung"
    assert [(q.title, q.kind) for q in result.questions] == [
        ("Jodoh", "matching"), ("Angka", "numerical"), ("Angka2", "numerical"), ("Baik", "truefalse")]


def test_messages_come_from_a_dict_and_can_be_translated():
    assert gift.MESSAGES["no_correct_answer"] == "Jawaban benar tidak ditemukan"
    english = {"weights_sum": "Positive weights must add up to 100%, found {total}%"}
    error = gift.parse("Soal {~%30%a ~b}").errors[0]
    assert error.code == "weights_sum"
    assert gift.format_message(error.code, error.params, english) == (
        "Positive weights must add up to 100%, found 30%"
    )
    # untranslated codes fall back to the Indonesian message
    assert gift.format_message("empty_answer", {}, english) == "Ada jawaban yang kosong"


# --------------------------------------------------------------------------- dumps


RICH = r"""$CATEGORY: Dasar

::Prinsip\: pertama::Keanggotaan koperasi bersifat ... {
  =sukarela dan terbuka #Benar. Ini \{prinsip\} pertama.
  ~wajib \= paksa #Bukan\# satu.
  ~%-50%hanya untuk pegawai negeri
  ####Lihat pasal 5.
}

Rapat Anggota adalah pemegang kekuasaan tertinggi. {T#Keliru.#Tepat. ####Umum}

::Simpanan::Pilih DUA jenis simpanan
yang wajib dibayar:
  - bukan sukarela {
  ~%50%simpanan pokok #ya
  ~%50%simpanan \~ wajib
  ~%-100%simpanan sukarela
  ~tidak tahu
}

$CATEGORY: Lain

::Singkatan::Sisa Hasil Usaha disingkat {=SHU =S.H.U. =%50%sisa hasil ####Baca bab 3.} dalam laporan.

::F::Tanda \\ backslash dan baris\n\nkosong {F##Benar, itu salah.}

::Pecahan::Bobot pecahan {~%33.333%a ~%33.333%b ~%33.334%c ~%-12.5%d}
"""


def test_round_trip_rich_sample():
    first = gift.parse(RICH)
    assert first.errors == []
    assert len(first.questions) == 6
    text = gift.dumps(first.questions)
    second = gift.parse(text)
    assert second.errors == []
    assert second.questions == first.questions
    # and writing again is stable
    assert gift.dumps(second.questions) == text


def test_round_trip_of_tricky_constructed_questions():
    questions = [
        Question("single", "// bukan komentar", choices=[
            Choice("%50% bukan bobot", True, 100.0), Choice("~lain~", False, 0.0, "a\nb")]),
        Question("truefalse", "$CATEGORY: bukan kategori", category="K", choices=[
            Choice("Benar", False, 0.0, "x"), Choice("Salah", True, 100.0, "")]),
        Question("short", "[html] tetap teks", title="::judul::", category="K",
                 choices=[Choice("C:\\data", True, 100.0), Choice("a {b}", True, 100.0)],
                 answers=["C:\\data", "a {b}"], feedback="####"),
        Question("single", "Persen", category="K  dua  spasi", choices=[
            Choice("%50% bukan bobot", True, 100.0, "[html] bukan format"),
            Choice("%100% juga bukan", False, 0.0), Choice("[plain] teks", False, -50.0),
            Choice("masuk -> keluar", False, 0.0)]),
        Question("short", "Isian", category="K  dua  spasi", choices=[
            Choice("%50%", True, 100.0, "#satu"), Choice("[moodle]x", True, 50.0, "//b"),
            Choice("*", False, 0.0, "salah")], answers=["%50%", "[moodle]x"]),
        Question("multiple", "::bukan judul\nbaris // dua\n   menjorok\n\nsetelah kosong",
                 choices=[Choice("%", True, 100.0), Choice("b", False, -5.0)]),
        Question("single", "trailing  \nspasi", category="", choices=[
            Choice("ya", True, 100.0), Choice("tidak", False, 0.0)]),
    ]
    text = gift.dumps(questions)
    result = gift.parse(text)
    assert result.errors == []
    assert result.questions == questions


def test_dumps_layout():
    questions = [
        Question("truefalse", "A", category="K1",
                 choices=[Choice("Benar", True, 100.0), Choice("Salah", False, 0.0)]),
        Question("short", "B", category="K1", answers=["x=y"]),
        Question("single", "C", title="T", category="K2",
                 choices=[Choice("ya", True, 100.0, "bagus"), Choice("tidak", False, 0.0)]),
        Question("multiple", "D", category="K2",
                 choices=[Choice("a", True, 50.0), Choice("b", True, 50.0),
                          Choice("c", False, 0.0)]),
    ]
    assert gift.dumps(questions) == (
        "$CATEGORY: K1\n"
        "\n"
        "A {T}\n"
        "\n"
        "B {\n"
        "  =x\\=y\n"
        "}\n"
        "\n"
        "$CATEGORY: K2\n"
        "\n"
        "::T::C {\n"
        "  =ya #bagus\n"
        "  ~tidak\n"
        "}\n"
        "\n"
        "D {\n"
        "  ~%50%a\n"
        "  ~%50%b\n"
        "  ~c\n"
        "}\n"
    )
    assert gift.dumps([]) == ""


def test_dumps_rejects_unknown_kind():
    try:
        gift.dumps([Question("essay", "Jelaskan")])
    except ValueError as exc:
        assert "essay" in str(exc)
    else:
        raise AssertionError("dumps accepted an unknown kind")


def test_question_equality_ignores_line_only():
    a = Question("short", "x", answers=["y"], line=3)
    assert a == Question("short", "x", answers=["y"], line=9)
    assert a != Question("short", "x", answers=["z"], line=3)


# --------------------------------------------------------------------------- normalise_answer


def test_normalise_answer():
    assert gift.normalise_answer("  Koperasi. ") == "koperasi"
    assert gift.normalise_answer("  Koperasi. ") == gift.normalise_answer("koperasi")
    assert gift.normalise_answer("Rapat   Anggota\tTahunan") == "rapat anggota tahunan"
    assert gift.normalise_answer("S.H.U.") == "s.h.u"
    assert gift.normalise_answer("«SHU»!?") == "shu"
    assert gift.normalise_answer('"sisa, hasil  usaha";') == "sisa, hasil usaha"
    assert gift.normalise_answer("STRASSE") == gift.normalise_answer("straße")
    assert gift.normalise_answer("KDMP\u00a0 Merah") == "kdmp merah"
    assert gift.normalise_answer(" ... ") == ""
    assert gift.normalise_answer("Rp 100.000,-") == "rp 100.000"
    assert gift.normalise_answer("koperasi") != gift.normalise_answer("koperasi desa")


def test_writer_spells_the_edge_cases_the_way_moodle_reads_them():
    questions = [
        Question("single", "Persen", category="Bab  1  (dua spasi)", choices=[
            Choice("%50% dari modal", True, 100.0), Choice("%25% dari modal", False, 0.0),
            Choice("[html] bukan format", False, -50.0, "[plain] juga bukan")]),
        Question("short", "[markdown] teks", category="Bab  1  (dua spasi)",
                 choices=[Choice("%100%", True, 100.0)], answers=["%100%"]),
    ]
    text = gift.dumps(questions)
    assert "$CATEGORY: Bab  1  (dua spasi)\n" in text  # the double spaces are kept
    # a leading % would be read as a weight (after ~) or shown as text (after =): [moodle], the
    # default format, goes in front, and Moodle removes it again
    assert "  =[moodle]%50% dari modal\n" in text
    assert "  ~[moodle]%25% dari modal\n" in text
    assert "  ~%-50%[moodle][html] bukan format #[moodle][plain] juga bukan\n" in text
    assert "[moodle][markdown] teks {\n  =[moodle]%100%\n}" in text
    assert gift.parse(text).questions == questions


def test_writer_refuses_what_moodle_would_read_differently():
    bad = [
        Question("multiple", "A", choices=[Choice("a", True, 35.0), Choice("b", True, 65.0)]),
        Question("single", "B", choices=[Choice("a", True, 100.0), Choice("b", False, -33.0)]),
        Question("short", "C", choices=[Choice("a -> b", True, 100.0)], answers=["a -> b"]),
        Question("short", "D", choices=[Choice("a", True, 50.0)], answers=["a"]),
        Question("multiple", "E", choices=[Choice("a", True, 50.0), Choice("b", True, 40.0)]),
    ]
    for q in bad:
        try:
            gift.dumps([q])
        except gift.DumpError as error:
            assert error.question is q
        else:
            raise AssertionError(f"dumps wrote {q.text}")
