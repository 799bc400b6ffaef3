"""Evaluasi penyelenggaraan: when it opens, what a participant may answer, and the cohort's results."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from kopedu.cohorts.models import Cohort, CohortSession
from kopedu.db import insert
from kopedu.evaluations.models import TrainingEvaluation
from kopedu.extensions import db
from kopedu.learning.models import Enrollment

ASPECTS = ("materi", "penyelenggaraan")
SCALE = (1, 2, 3, 4, 5)
COMMENT_MAX = 1000
MIN_RESPONSES = 3  # fewer answers than this are not shown (a trainer could tell who wrote what)


class EvaluationError(ValueError):
    """A refused answer, with a message for the participant and the field it is about."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def last_day(cohort: Cohort) -> date | None:
    """The day of the cohort's last session (else the day it ends)."""
    held = db.session.scalar(select(func.max(CohortSession.held_on)).where(CohortSession.cohort_id == cohort.id))
    return held or cohort.ends_on


def is_open(cohort: Cohort, today: date) -> bool:
    day = last_day(cohort)
    return day is not None and day <= today


def own_enrollment(user, cohort: Cohort) -> Enrollment | None:
    return db.session.scalar(select(Enrollment).where(Enrollment.user_id == user.id,
                                                      Enrollment.cohort_id == cohort.id))


def answered(enrollment: Enrollment) -> bool:
    return db.session.scalar(select(TrainingEvaluation.id).where(
        TrainingEvaluation.enrollment_id == enrollment.id)) is not None


def waiting(entries, today: date) -> list[Cohort]:
    """The cohorts among a participant's dashboard entries whose evaluation is open and not answered
    (one query, and none when no entry is in a cohort)."""
    by_enrollment = {entry.enrollment.id: entry.enrollment.cohort_id for entry in entries
                     if entry.enrollment.cohort_id}
    if not by_enrollment:
        return []
    last = (select(CohortSession.cohort_id, func.max(CohortSession.held_on).label("day"))
            .group_by(CohortSession.cohort_id).subquery())
    rows = db.session.execute(
        select(Cohort, func.coalesce(last.c.day, Cohort.ends_on), TrainingEvaluation.id)
        .join(Enrollment, Enrollment.cohort_id == Cohort.id)
        .outerjoin(last, last.c.cohort_id == Cohort.id)
        .outerjoin(TrainingEvaluation, TrainingEvaluation.enrollment_id == Enrollment.id)
        .where(Enrollment.id.in_(list(by_enrollment))))
    return [cohort for cohort, day, done in rows if done is None and day is not None and day <= today]


def read_answers(form, trainers) -> dict:
    """The answers from the form (`rating-<aspect>`, `comment-<aspect>`, `rating-trainer-<id>`,
    `comment-trainer-<id>`). Every rating is required and 1–5; comments are optional."""
    def rating(name: str, field: str) -> int:
        value = (form.get(name) or "").strip()
        if not value.isdigit() or int(value) not in SCALE:
            raise EvaluationError(_("Pilih nilai 1 sampai 5."), field)
        return int(value)

    def comment(name: str, field: str) -> str:
        text = (form.get(name) or "").strip()
        if len(text) > COMMENT_MAX:
            raise EvaluationError(_("Komentar terlalu panjang (paling banyak %(n)d huruf).", n=COMMENT_MAX), field)
        return text

    answers = {aspect: {"rating": rating(f"rating-{aspect}", aspect), "comment": comment(f"comment-{aspect}", aspect)}
               for aspect in ASPECTS}
    answers["trainers"] = {
        str(t.id): {"rating": rating(f"rating-trainer-{t.id}", f"trainer-{t.id}"),
                    "comment": comment(f"comment-trainer-{t.id}", f"trainer-{t.id}")} for t in trainers}
    return answers


def submit(enrollment: Enrollment, cohort: Cohort, answers: dict) -> bool:
    """Keep the participant's answers; False when they had answered already (the first answer stands).
    Flushes."""
    result = db.session.execute(insert(TrainingEvaluation).values(
        cohort_id=cohort.id, enrollment_id=enrollment.id, answers=answers)
        .on_conflict_do_nothing(index_elements=["enrollment_id"]))
    db.session.flush()
    return bool(result.rowcount)


# --------------------------------------------------------------------------- results


@dataclass
class Aspect:
    label: str
    ratings: list[int] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.ratings)

    @property
    def average(self) -> float | None:
        return round(sum(self.ratings) / len(self.ratings), 2) if self.ratings else None

    @property
    def distribution(self) -> list[tuple[int, int, int]]:
        """(rating, how many, percent of the answers) for 5 down to 1."""
        total = len(self.ratings) or 1
        return [(n, self.ratings.count(n), round(self.ratings.count(n) * 100 / total)) for n in reversed(SCALE)]


@dataclass
class Results:
    cohort: Cohort
    participants: int
    responses: int
    aspects: list[Aspect]

    @property
    def shown(self) -> bool:
        return self.responses >= MIN_RESPONSES


def results(cohort: Cohort) -> Results:
    """The cohort's totals: per aspect and per trainer, the ratings and the comments (sorted, without
    names or dates). Two queries."""
    participants = db.session.scalar(select(func.count(Enrollment.id)).where(Enrollment.cohort_id == cohort.id))
    rows = list(db.session.scalars(select(TrainingEvaluation.answers)
                                   .where(TrainingEvaluation.cohort_id == cohort.id)))
    materi = Aspect(_("Materi"))
    organisation = Aspect(_("Penyelenggaraan"))
    trainers = {t.id: Aspect(_("Narasumber: %(name)s", name=t.full_name)) for t in cohort.trainers}
    for answers in rows:
        for aspect, key in ((materi, "materi"), (organisation, "penyelenggaraan")):
            _add(aspect, answers.get(key))
        for trainer_id, answer in (answers.get("trainers") or {}).items():
            if trainer_id.isdigit() and int(trainer_id) in trainers:
                _add(trainers[int(trainer_id)], answer)
    aspects = [materi, *trainers.values(), organisation]
    for aspect in aspects:
        aspect.comments.sort(key=str.casefold)
    return Results(cohort=cohort, participants=participants, responses=len(rows), aspects=aspects)


def _add(aspect: Aspect, answer) -> None:
    if not answer:
        return
    if answer.get("rating") in SCALE:
        aspect.ratings.append(answer["rating"])
    if answer.get("comment"):
        aspect.comments.append(answer["comment"])


def table(data: Results) -> tuple[list[str], list[list]]:
    """The results as one sheet: an aspect a row, its answers, average and count of each rating."""
    header = [_("Aspek"), _("Jumlah jawaban"), _("Rata-rata (1–5)"), *[_("Nilai %(n)d", n=n) for n in reversed(SCALE)]]
    rows = [[a.label, a.count, a.average, *[count for _n, count, _pct in a.distribution]] for a in data.aspects]
    rows.append([_("Komentar")])
    for a in data.aspects:
        rows.extend([a.label, comment] for comment in a.comments)
    return header, [row + [""] * (len(header) - len(row)) for row in rows]
