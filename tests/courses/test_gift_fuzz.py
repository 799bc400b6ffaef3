"""Property tests of kopedu.courses.gift with hypothesis (bounded: a few hundred examples each, no
deadline). Any text gives a parse result whose errors carry a line number and a known code; what
the reader accepts, the writer writes so that it reads back the same."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kopedu.courses import gift
from kopedu.courses.gift import Choice, Question

BUDGET = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces GIFT is made of, so that random text often looks like GIFT.
PIECES = st.sampled_from([
    "{", "}", "=", "~", "#", "####", "::", "//", "\\", "\\n", "\\{", "\\}", "\\=", "\\~", "\\#", "\\:",
    "%", "%50%", "%-50%", "%33.33333%", "%100%", "%35%", "%33,3%", "%" + "9" * 309 + "%", "%1e5%",
    "->", "T", "TRUE", "F", "false", "[html]", "[plain]", "[markdown]", "[moodle]", "[PLAIN]", "*",
    "$CATEGORY: K", "$category:", "\n", "\n\n", " ", "\t", "\r", "\ufeff", "\ue000", "\ue007", "0",
    "Soal", "jawaban", "SHU", "_____",
])
NOISE = st.lists(st.one_of(PIECES, st.text(max_size=6)), max_size=40).map("".join)
WORD = st.lists(st.one_of(st.sampled_from(["Soal", "SHU", "a", " ", "\\=", "\\#", "\\{", "->", "*", "[html]",
                                           "%", "\\n", "\n", "T", "0"]), st.text(max_size=3)),
                min_size=1, max_size=5).map("".join)
WEIGHT = st.sampled_from(["", "", "%50%", "%-50%", "%100%", "%0%", "%33.33333%", "%-25%", "%35%", "%33,3%",
                         "%" + "9" * 309 + "%", "%1e999%"])
ITEM = st.tuples(st.sampled_from(["=", "~", "=", "~", " ~", "\n="]), WEIGHT, WORD,
                 st.one_of(st.just(""), WORD.map(lambda w: " #" + w))).map("".join)
BLOCK = st.tuples(
    st.one_of(st.just(""), WORD.map(lambda w: "::" + w + "::")), WORD,
    st.one_of(st.lists(ITEM, min_size=1, max_size=5).map(" ".join),
              st.tuples(WORD, st.lists(st.tuples(st.sampled_from(["", "%-50%", "%0%"]), WORD), min_size=1, max_size=3))
              .map(lambda p: "=" + p[0] + "".join(f" ~{w}{t}" for w, t in p[1])),
              st.tuples(WORD, WORD, WORD).map(lambda p: f"~%50%{p[0]} #{p[2]}\n~%50%{p[1]} ~%-100%{p[2]}"),
              st.sampled_from(["T", "F", "TRUE", "FALSE#x#y", "true", "", "#3:1", "T####umum", "#1..5", "#=2 =%50%3:1",
                               "#3~#salah", "#~2", "#x", "=a -> b =c -> d = -> e", "=a -> b", "=a -> b #x =c -> d"])),
    st.one_of(st.just(""), WORD.map(lambda w: " ####" + w)), st.sampled_from(["", "", " lalu.", "\n"]),
).map(lambda p: f"{p[0]}{p[1]} {{{p[2]}{p[3]}}}{p[4]}")
GIFTISH = st.one_of(NOISE, st.lists(st.one_of(BLOCK, BLOCK, st.just("$CATEGORY: K  dua"), st.just("// c"), NOISE),
                                    min_size=1, max_size=6).flatmap(
    lambda blocks: st.sampled_from(["\n\n", "\n\n", "\n", "\r\n\r\n"]).map(lambda sep: sep.join(blocks))))


def check_result(text: str, result: gift.ParseResult) -> None:
    lines = max(1, text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1)
    for error in result.errors:
        assert error.code in gift.MESSAGES
        assert 1 <= error.line <= lines
        assert error.message
    for q in result.questions:
        assert q.kind in gift.KINDS and 1 <= q.line <= lines
        for c in q.choices:
            assert c.weight in gift.GRADES


@BUDGET
@given(st.one_of(GIFTISH, st.text()))
def test_any_text_gives_questions_or_errors_with_a_line(text):
    result = gift.parse(text)
    check_result(text, result)


@BUDGET
@given(GIFTISH)
def test_what_is_read_is_written_back_the_same(text):
    questions = gift.parse(text).questions
    written = gift.dumps(questions)
    again = gift.parse(written)
    assert again.errors == []
    assert again.questions == questions


# Questions built directly, as the editor or the database hold them.
ALPHABET = st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs"), exclude_characters="\x85\u2028\u2029")
TEXT = st.text(ALPHABET | st.sampled_from("~=#{}:\\%[]->/*\n"), min_size=1, max_size=30).map(str.strip).filter(bool)
LINE = st.text(ALPHABET | st.sampled_from("~=#{}:\\%[]->/*"), max_size=20).map(str.strip)
FEEDBACK = st.one_of(st.just(""), TEXT)
NUMBER = st.decimals(min_value=-10**12, max_value=10**12, allow_nan=False, allow_infinity=False, places=4).map(
    gift.number_text)
TOLERANCE = st.one_of(st.just("0"), st.decimals(min_value=0, max_value=10**6, allow_nan=False, places=2)
                      .map(gift.number_text))
NEGATIVE = st.sampled_from([g for g in gift.GRADES if g <= 0])
SPLITS = st.sampled_from([[100.0], [50.0, 50.0], [33.33333] * 3, [25.0] * 4, [20.0] * 5, [40.0, 60.0],
                          [66.66667, 33.33333], [16.66667] * 6, [14.28571] * 7, [12.5] * 8, [11.11111] * 9,
                          [10.0] * 10, [90.0, 5.0, 5.0], [83.33333, 16.66667], [75.0, 25.0], [70.0, 30.0]])


@st.composite
def questions(draw):
    kind = draw(st.sampled_from(gift.KINDS))
    q = Question(kind, draw(TEXT), title=draw(LINE), category=draw(LINE), feedback=draw(FEEDBACK))
    if kind == gift.TRUEFALSE:
        truth = draw(st.booleans())
        q.choices = [Choice("Benar", truth, 100.0 if truth else 0.0, draw(FEEDBACK)),
                     Choice("Salah", not truth, 0.0 if truth else 100.0, draw(FEEDBACK))]
    elif kind == gift.SINGLE:
        wrong = draw(st.lists(st.tuples(TEXT, NEGATIVE, FEEDBACK), min_size=1, max_size=4))
        q.choices = [Choice(draw(TEXT), True, 100.0, draw(FEEDBACK))] + [Choice(t, False, w, f) for t, w, f in wrong]
        draw(st.randoms()).shuffle(q.choices)
    elif kind == gift.MULTIPLE:
        weights = draw(SPLITS) + draw(st.lists(NEGATIVE, max_size=3))
        if len(weights) < 2:
            weights.append(0.0)
        q.choices = [Choice(draw(TEXT), w > 0, w, draw(FEEDBACK)) for w in weights]
    elif kind == gift.NUMERICAL:
        answers = draw(st.lists(st.tuples(NUMBER, TOLERANCE, st.sampled_from([g for g in gift.GRADES if g != 0]),
                                          FEEDBACK), max_size=3))
        q.choices = [Choice(draw(NUMBER), True, 100.0, draw(FEEDBACK), tolerance=draw(TOLERANCE))]
        q.choices += [Choice(v, w > 0, w, f, tolerance=t) for v, t, w, f in answers]
        if draw(st.booleans()):
            q.choices.append(Choice("*", False, 0.0, draw(FEEDBACK)))
    elif kind == gift.MATCHING:
        pairs = draw(st.lists(st.tuples(TEXT.filter(lambda t: "->" not in t), TEXT), min_size=2, max_size=5))
        distractors = draw(st.lists(TEXT, max_size=2))
        q.choices = [Choice(left, False, 0.0, match=right) for left, right in pairs]
        q.choices += [Choice("", False, 0.0, match=right) for right in distractors]
    else:
        extra = draw(st.lists(st.tuples(TEXT, st.sampled_from(gift.GRADES), FEEDBACK), max_size=3))
        q.choices = [Choice(draw(TEXT), True, 100.0, draw(FEEDBACK))] + [Choice(t, w > 0, w, f) for t, w, f in extra]
        q.answers = [c.text for c in q.choices if c.weight > 0]
        if any("->" in c.text + c.feedback for c in q.choices):  # not writable: Moodle reads matching
            return draw(questions())
    return q


@BUDGET
@given(st.lists(questions(), min_size=1, max_size=4))
def test_written_questions_read_back_the_same(qs):
    written = gift.dumps(qs)
    result = gift.parse(written)
    assert result.errors == []
    assert result.questions == qs
