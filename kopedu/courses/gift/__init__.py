"""Read and write Moodle's GIFT question format (the subset KopEdu trainers use).

The reference is Moodle's own importer (``question/format/gift/format.php``, its tests in
``question/format/gift/tests/giftformat_test.php``) and its grade list
(``question_bank::fraction_options_full``). A file KopEdu reads means the same in KopEdu as in
Moodle, and everything :func:`dumps` writes reads back the same in both. Where Moodle would read a
spelling differently from what its author most likely meant, KopEdu refuses it with a
:class:`ParseError` (line number and a message) instead of guessing; every other question of the
file is still read. See ``content/README.md`` for the trainer's version of this list.

Supported:

* single choice ``{=right ~wrong}``: exactly one ``=`` answer (100 %); a wrong answer may carry a
  penalty ``~%-50%wrong``;
* multiple choice, no ``=`` at all: ``{~%50%a ~%50%b ~%-100%c ~d}``; the positive weights add
  up to 100 % (Moodle's rule: the sum, as a fraction rounded to two decimals, is 1);
* true/false ``{T}`` ``{TRUE}`` ``{F}`` ``{FALSE}`` (capitals, as Moodle requires), with
  ``{T#feedback when wrong#feedback when right}``;
* short answer ``{=SHU =%50%S.H.U #almost =%0%* #no}``: weights on Moodle's list, at least one
  answer at 100 %, per-answer feedback, ``*`` as Moodle's wildcard (a ``*`` answer matches any
  response); answers are compared case-insensitively (:func:`normalise_answer`);
* weights ``%N%``: only the values of Moodle's grade list (:data:`GRADES`: 100, 90, 83.33333,
  80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20, 16.66667, 14.28571, 12.5, 11.11111,
  10, 5, 0 and their negatives), matched as Moodle matches them (within 0.001 %) and kept as the
  list's value; another value is refused and the two nearest allowed values are named;
* per-answer feedback ``#...``, general feedback ``####...`` (the last ``####`` of the block),
  titles ``::title::``, ``$CATEGORY: name`` blocks, ``//`` comment lines, escapes
  ``\\~ \\= \\# \\{ \\} \\: \\\\`` and ``\\n``;
* the format prefixes ``[html]`` ``[plain]`` ``[markdown]`` ``[moodle]`` (lower case, as Moodle
  reads them) at the start of the question text, of every answer, of every per-answer feedback
  and of the general feedback: removed. KopEdu shows every text as plain text, so HTML written
  under ``[html]`` is shown as written;
* text after the answer block ("missing word"): the block is replaced by ``_____`` as Moodle
  does (``Koperasi didirikan oleh {=9} orang.`` -> ``Koperasi didirikan oleh _____ orang.``).

Refused (with the line number), although Moodle reads something for them:

* matching (``->`` with ``=`` and no ``~``), numeric (``{#...}``) and essay (``{}``) questions;
* ``{true}`` / ``{t}`` in lower case (Moodle makes it a short answer whose answer is "true");
* ``=%50%a`` in a choice question (Moodle ignores the weight after ``=`` and shows "%50%a");
  two ``=`` answers, or a positive ``~%N%`` next to an ``=`` answer (single choice with partial
  credit is not supported);
* a weight Moodle's own regular expression does not read as a weight (``%33,3%``, ``%+50%``,
  ``%100.0%``): Moodle would keep it as part of the answer text with weight 0;
* text before the first ``=``/``~`` of an answer block (Moodle makes it one more answer);
* a ``$CATEGORY:`` line that shares its block with a question (Moodle swallows the question into
  the category name) -- it must be separated by a blank line;
* deliberately stricter: questions must be separated by a blank line (a second answer block in
  the same block is an error, where Moodle silently joins the two questions), and a title must
  be closed with ``::``.

Also different from Moodle: leading spaces of question-text lines are kept (Moodle trims every
line); the characters U+E000-U+E007 (private use) are read as U+FFFD.

Standard library only, so it can be used outside the Flask app.
"""

from __future__ import annotations

from .answers import answer_matches, normalise_answer, numeric_match, read_number
from .model import (FALSE_LABEL, GRADES, KINDS, MATCHING, MESSAGES, MULTIPLE, NUMERICAL, SHORT, SINGLE, TRUE_LABEL, TRUEFALSE, Choice,
                    DumpError, ParseError, ParseResult, Question, format_message, grade, nearest_grades,
                    weights_total_ok)
from .reader import number_text, parse
from .writer import dumps

__all__ = [
    "SINGLE",
    "MULTIPLE",
    "TRUEFALSE",
    "SHORT",
    "NUMERICAL",
    "MATCHING",
    "KINDS",
    "TRUE_LABEL",
    "FALSE_LABEL",
    "GRADES",
    "MESSAGES",
    "format_message",
    "grade",
    "nearest_grades",
    "weights_total_ok",
    "Choice",
    "Question",
    "ParseError",
    "ParseResult",
    "DumpError",
    "parse",
    "dumps",
    "normalise_answer",
    "answer_matches",
    "read_number",
    "number_text",
    "numeric_match",
]
