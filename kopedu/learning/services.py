"""Enrolment, progress and quiz results.

Services take model objects and plain values, flush and never commit (the route commits once).
Upward notifications go out as the event progress_changed(enrollment) (kopedu.events).

Rules decided here:
- A lesson's place is its module's position, then its own; only published lessons count.
- In a sequential course a lesson is locked until every earlier *required* lesson is done, except
  assignment lessons: they are completed by the grading feature (possibly days later) and never lock
  what follows. Optional lessons never lock anything.
- Course progress = completed required lessons / required lessons (assignments included); the
  enrolment's completed_at is set the first time it reaches 100 %.
- The pre-test never gates; the post-test is open once every lesson that would lock it is done
  (sequential courses only). The course uses the best submitted attempt of every quiz.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, literal_column, null, select, union_all
from sqlalchemy.orm import joinedload, lazyload, selectinload, undefer

from kopedu.auth.models import User
from kopedu.courses import outline
from kopedu.courses.models import Choice, Course, Lesson, LessonNarration, Module, Question, Quiz
from kopedu.db import insert, utcnow
from kopedu.extensions import db
from kopedu.learning.models import AttemptAnswer, Enrollment, LessonProgress, QuizAttempt
from kopedu.learning import typed_answers
from kopedu.learning.recount import progress_counts, store_progress
from kopedu.web.access import visible_enrollments
from kopedu import events

GRACE_SECONDS = 10  # answers may arrive this late after a quiz's deadline (slow networks)
# The enrolment's last activity is kept to this resolution: reading on within it writes nothing.
ACTIVITY_RESOLUTION = timedelta(minutes=5)
SHORT_ANSWER_MAX = 200
TYPED_KINDS = ("numerical", "matching")  # answered by typing a number or pairing (kopedu.learning.typed_answers)
COMPLETABLE_KINDS = ("reading", "video", "file")  # quizzes complete on a pass, assignments through grading


# --------------------------------------------------------------------------- errors


class LearningError(Exception):
    """A refused step, with the HTTP status a route should answer and a message for the person."""

    status = 400
    default = _l("Permintaan tidak dapat diproses.")

    def __init__(self, message=None):
        self.message = message or self.default  # lazy: translated when shown
        super().__init__(self.message)

    def __str__(self) -> str:
        return str(self.message)


class NotEnrolled(LearningError):
    status = 403
    default = _l("Anda belum terdaftar di kursus ini.")


class EnrollmentClosed(LearningError):
    status = 403
    default = _l("Kursus ini tidak dibuka untuk pendaftaran mandiri. Pendaftaran lewat angkatan oleh Dinas.")


class LessonLocked(LearningError):
    status = 409
    default = _l("Pelajaran ini masih terkunci. Selesaikan dulu pelajaran sebelumnya.")


class NotCompletable(LearningError):
    status = 409
    default = _l("Pelajaran ini selesai lewat kuis atau tugasnya, bukan dengan tombol.")


class QuizLocked(LearningError):
    status = 409
    default = _l("Post-test terbuka setelah semua pelajaran selesai.")


class NoAttemptsLeft(LearningError):
    status = 409
    default = _l("Kesempatan mengerjakan kuis ini sudah habis.")


class AttemptClosed(LearningError):
    status = 409
    default = _l("Jawaban kuis ini sudah dikirim.")


class TimeUp(LearningError):
    status = 409
    default = _l("Waktu sudah habis. Jawaban ini tidak disimpan.")


class InvalidAnswer(LearningError):
    status = 400
    default = _l("Jawaban tidak dikenal. Muat ulang halaman, lalu coba lagi.")


# --------------------------------------------------------------------------- enrolment


def enroll(user, course, cohort=None) -> Enrollment:
    """The user's enrolment in the course, created if missing (idempotent). Flushes."""
    enrollment = db.session.scalar(select(Enrollment).where(
        Enrollment.user_id == user.id, Enrollment.course_id == course.id))
    if enrollment is None:
        enrollment = Enrollment(user_id=user.id, course_id=course.id, cohort_id=getattr(cohort, "id", None))
        db.session.add(enrollment)
    elif cohort is not None and enrollment.cohort_id is None:
        enrollment.cohort_id = cohort.id
    db.session.flush()
    return enrollment


def self_enroll(user, course) -> Enrollment:
    """A participant enrols from the catalogue, where the course allows it (idempotent)."""
    existing = get_enrollment(user, course)
    if existing is not None:
        return existing
    if not (course.published and course.self_enroll and user.role == "participant"):
        raise EnrollmentClosed()
    return enroll(user, course)


def get_enrollment(user, course) -> Enrollment | None:
    if not getattr(user, "is_authenticated", True) or user.id is None:
        return None
    # The user and the course are loaded already: no joined loads (and no second trainers query).
    return db.session.scalar(select(Enrollment).options(lazyload("*")).where(
        Enrollment.user_id == user.id, Enrollment.course_id == course.id))


def first_scores(quiz_ids, user_ids=None) -> dict[tuple[int, int], float]:
    """Score (percent) of the first submitted attempt per (user_id, quiz_id): one query (the attempt
    of lowest number among the submitted ones)."""
    quiz_ids = list(quiz_ids)
    if not quiz_ids:
        return {}
    first = (select(QuizAttempt.user_id, QuizAttempt.quiz_id, func.min(QuizAttempt.number).label("number"))
             .where(QuizAttempt.quiz_id.in_(quiz_ids), QuizAttempt.submitted_at.is_not(None))
             .group_by(QuizAttempt.user_id, QuizAttempt.quiz_id))
    if user_ids is not None:
        first = first.where(QuizAttempt.user_id.in_(list(user_ids)))
    first = first.subquery()
    stmt = select(QuizAttempt.user_id, QuizAttempt.quiz_id, QuizAttempt.score).join(
        first, (QuizAttempt.user_id == first.c.user_id) & (QuizAttempt.quiz_id == first.c.quiz_id)
        & (QuizAttempt.number == first.c.number))
    return {(user_id, quiz_id): score for user_id, quiz_id, score in db.session.execute(stmt)}


ID_CHUNK = 1000  # the most ids one statement binds (psycopg allows 65,535 parameters in all)


def id_chunks(ids, size: int = ID_CHUNK):
    """A list of ids in slices of at most `size`, so no statement binds a list that grows with the data."""
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def best_scores(quiz_ids, user_ids=None) -> dict[tuple[int, int], float]:
    """Best submitted score (percent) per (user_id, quiz_id): one aggregate query per 1,000 users.

    `user_ids`: a list (a page of participants), a SELECT of user ids (a subquery: bound once,
    whatever it matches), or None for every user."""
    quiz_ids = list(quiz_ids)
    if not quiz_ids:
        return {}
    stmt = (select(QuizAttempt.user_id, QuizAttempt.quiz_id, func.max(QuizAttempt.score))
            .where(QuizAttempt.quiz_id.in_(quiz_ids), QuizAttempt.submitted_at.is_not(None))
            .group_by(QuizAttempt.user_id, QuizAttempt.quiz_id))
    if user_ids is None or hasattr(user_ids, "subquery"):
        statements = [stmt if user_ids is None else stmt.where(QuizAttempt.user_id.in_(user_ids))]
    else:
        statements = [stmt.where(QuizAttempt.user_id.in_(chunk)) for chunk in id_chunks(user_ids)]
    return {(user_id, quiz_id): score for statement in statements
            for user_id, quiz_id, score in db.session.execute(statement)}


# --------------------------------------------------------------------------- course state


@dataclass
class LessonItem:
    lesson: Lesson
    index: int  # 0-based place in the course
    status: str = "open"  # done | current | open | locked

    @property
    def done(self) -> bool:
        return self.status == "done"

    @property
    def locked(self) -> bool:
        return self.status == "locked"

    @property
    def completable(self) -> bool:
        return self.lesson.kind in COMPLETABLE_KINDS


@dataclass
class CourseState:
    """Where one person stands in one course: every lesson's status, progress, pre/post-test."""

    course: Course
    enrollment: Enrollment | None
    lessons: list[Lesson]
    done_ids: set[int]
    preview: bool = False  # a trainer or admin looking at the course without an enrolment
    quizzes: list[Quiz] = field(default_factory=list)
    scores: dict[int, float] = field(default_factory=dict)  # quiz_id → best score
    items: list[LessonItem] = field(default_factory=list)
    posttest_open: bool = True

    def __post_init__(self):
        self.refresh()

    def refresh(self) -> None:
        """(Re)compute every status from done_ids."""
        sequential = self.course.sequential and not self.preview
        blocked = False
        items = []
        for index, lesson in enumerate(self.lessons):
            if lesson.id in self.done_ids:
                status = "done"
            elif blocked:
                status = "locked"
            else:
                status = "open"
            if sequential and status != "done" and lesson.required and lesson.kind != "assignment":
                blocked = True
            items.append(LessonItem(lesson, index, status))
        self.items = items
        self._by_id = {item.lesson.id: item for item in items}
        self.posttest_open = not blocked
        resume = self.resume_item
        if resume is not None and resume.status == "open":
            resume.status = "current"

    # lookups
    def item(self, lesson_id: int) -> LessonItem | None:
        return self._by_id.get(lesson_id)

    def previous(self, item: LessonItem) -> LessonItem | None:
        return self.items[item.index - 1] if item.index > 0 else None

    def next(self, item: LessonItem) -> LessonItem | None:
        return self.items[item.index + 1] if item.index + 1 < len(self.items) else None

    def module_items(self) -> list[tuple[Module, list[LessonItem]]]:
        groups: list[tuple[Module, list[LessonItem]]] = []
        for item in self.items:
            if not groups or groups[-1][0].id != item.lesson.module_id:
                groups.append((item.lesson.module, []))
            groups[-1][1].append(item)
        return groups

    # progress
    @property
    def required_total(self) -> int:
        return sum(1 for lesson in self.lessons if lesson.required)

    @property
    def required_done(self) -> int:
        return sum(1 for lesson in self.lessons if lesson.required and lesson.id in self.done_ids)

    @property
    def progress_pct(self) -> int:
        total = self.required_total
        return self.required_done * 100 // total if total else 0

    @property
    def started(self) -> bool:
        return bool(self.done_ids) or bool(self.enrollment and self.enrollment.last_lesson_id)

    @property
    def resume_item(self) -> LessonItem | None:
        """The lesson "Lanjutkan belajar" opens: the first unfinished, unlocked lesson at or after
        the last one opened; else the first unfinished, unlocked lesson; None when all are done."""
        candidates = [item for item in self.items if item.status in ("open", "current")]
        if not candidates:
            return None
        last = self.item(self.enrollment.last_lesson_id) if self.enrollment and self.enrollment.last_lesson_id else None
        if last is not None:
            later = [item for item in candidates if item.index >= last.index]
            if later:
                return later[0]
        return candidates[0]

    # pre-test and post-test
    def _quiz(self, role: str) -> Quiz | None:
        return next((quiz for quiz in self.quizzes if quiz.role == role), None)

    @property
    def pretest(self) -> Quiz | None:
        return self._quiz("pretest")

    @property
    def posttest(self) -> Quiz | None:
        return self._quiz("posttest")

    @property
    def pretest_score(self) -> float | None:
        return self.scores.get(self.pretest.id) if self.pretest else None

    @property
    def posttest_score(self) -> float | None:
        return self.scores.get(self.posttest.id) if self.posttest else None

    def can_open(self, item: LessonItem) -> bool:
        return self.preview or not item.locked


def ordered_lessons(course: Course) -> list[Lesson]:
    """The course's published lessons in order (modules and lessons must be loaded)."""
    return [lesson for module in course.modules for lesson in module.lessons if lesson.published]


def load_course(slug: str | None = None, course_id: int | None = None) -> Course | None:
    """A course with modules, lessons (without their bodies) and quizzes: the per-process outline cache
    (kopedu.courses.outline), checked against the course's version with one small query. The objects
    are shared and read-only; load what else a request needs into its own session."""
    return outline.load(slug=slug, course_id=course_id)


def load_lesson_content(lesson: Lesson) -> Lesson:
    """The lesson (of an outline from load_course) with its body, handouts and narration, in the
    request's session (one query)."""
    return db.session.scalars(select(Lesson).where(Lesson.id == lesson.id)
                              .options(undefer(Lesson.body), joinedload(Lesson.attachments),
                                       joinedload(Lesson.narration), lazyload(Lesson.module))).unique().one()


def lesson_narration(lesson_id: int) -> LessonNarration | None:
    return db.session.scalar(select(LessonNarration).where(LessonNarration.lesson_id == lesson_id))


def lesson_quiz(lesson: Lesson) -> Quiz | None:
    """The quiz of a quiz lesson (of an outline from load_course), in the request's session."""
    quiz = lesson.quiz
    return db.session.get(Quiz, quiz.id) if quiz is not None else None


def _progress_and_scores(user_id: int, lesson_ids: list[int], quiz_ids: list[int]
                         ) -> tuple[set[int], dict[int, float]]:
    """The lessons of `lesson_ids` the user completed and the user's best submitted score of each quiz
    of `quiz_ids`, in one query (a UNION of the two)."""
    if not lesson_ids and not quiz_ids:
        return set(), {}
    done = (select(literal_column("0").label("kind"), LessonProgress.lesson_id.label("id"),
                   null().label("score"))
            .where(LessonProgress.user_id == user_id, LessonProgress.lesson_id.in_(lesson_ids)))
    best = (select(literal_column("1"), QuizAttempt.quiz_id, func.max(QuizAttempt.score))
            .where(QuizAttempt.user_id == user_id, QuizAttempt.quiz_id.in_(quiz_ids),
                   QuizAttempt.submitted_at.is_not(None))
            .group_by(QuizAttempt.quiz_id))
    done_ids, scores = set(), {}
    for kind, id_, score in db.session.execute(union_all(done, best)):
        if kind == 0:
            done_ids.add(id_)
        elif score is not None:
            scores[id_] = score
    return done_ids, scores


def course_state(course: Course, user, enrollment: Enrollment | None = None, *, with_scores: bool = True
                 ) -> CourseState:
    """The state of `user` in `course` (loaded with load_course). Two queries at most."""
    if enrollment is None:
        enrollment = get_enrollment(user, course)
    lessons = ordered_lessons(course)
    quizzes = [quiz for quiz in course.quizzes if quiz.role in ("pretest", "posttest")]
    done, scores = set(), {}
    if enrollment:
        done, scores = _progress_and_scores(
            user.id, [lesson.id for module in course.modules for lesson in module.lessons],
            [quiz.id for quiz in quizzes] if with_scores else [])
    preview = enrollment is None and course.is_trainer(user)
    return CourseState(course=course, enrollment=enrollment, lessons=lessons, done_ids=done, preview=preview,
                       quizzes=quizzes, scores=scores)


def open_lesson(state: CourseState, lesson: Lesson) -> LessonItem:
    """Check that the person may read `lesson` and remember it as the last one opened."""
    item = state.item(lesson.id)
    if item is None:
        raise LessonLocked()
    if state.enrollment is None and not state.preview:
        raise NotEnrolled()
    if not state.can_open(item):
        raise LessonLocked()
    if state.enrollment is not None:
        touch(state.enrollment, lesson_id=lesson.id)
    return item


def touch(enrollment: Enrollment, now: datetime | None = None, lesson_id: int | None = None) -> None:
    """Record activity (and the last lesson opened) on the enrolment. The time is kept to
    ACTIVITY_RESOLUTION, so rereading a lesson a minute later writes nothing (each write also
    refreshes the monitoring facts)."""
    now = now or utcnow()
    if lesson_id is not None and enrollment.last_lesson_id != lesson_id:
        enrollment.last_lesson_id = lesson_id
    elif enrollment.last_activity_at is not None and now - enrollment.last_activity_at < ACTIVITY_RESOLUTION:
        return
    enrollment.last_activity_at = now
    db.session.flush()


# --------------------------------------------------------------------------- progress


def _insert_ignore(model, values: dict, conflict: list[str], update: list[str] | None = None, returning=None):
    """INSERT … ON CONFLICT DO NOTHING (or DO UPDATE of the `update` columns) on SQLite and PostgreSQL:
    the unique constraint decides, so concurrent requests cannot make duplicates."""
    stmt = insert(model).values(**values)
    if update:
        stmt = stmt.on_conflict_do_update(index_elements=conflict,
                                          set_={column: getattr(stmt.excluded, column) for column in update})
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=conflict)
    if returning is not None:
        stmt = stmt.returning(returning)
    return db.session.execute(stmt)


def mark_lesson_done(state: CourseState, lesson: Lesson) -> bool:
    """The participant's "Tandai selesai". Refuses locked lessons and lessons completed otherwise.
    Idempotent: a second call (double click, second tab) changes nothing. True if newly done."""
    item = state.item(lesson.id)
    if state.enrollment is None:
        raise NotEnrolled()
    if item is None or item.locked:
        raise LessonLocked()
    if not item.completable:
        raise NotCompletable()
    return record_completion(state, lesson)


def record_completion(state: CourseState, lesson: Lesson) -> bool:
    """Record that the enrolled person completed `lesson` (no lock or kind check: quizzes call it on
    a pass). Updates the enrolment's progress and sends progress_changed. True if newly done."""
    enrollment = state.enrollment
    if enrollment is None:
        raise NotEnrolled()
    now = utcnow()
    result = _insert_ignore(LessonProgress, {"user_id": enrollment.user_id, "lesson_id": lesson.id,
                                             "completed_at": now}, ["user_id", "lesson_id"],
                            returning=LessonProgress.id)
    created = result.scalar() is not None  # nothing returned: the row was there already
    state.done_ids.add(lesson.id)
    state.refresh()
    if created or enrollment.progress_pct != state.progress_pct:
        enrollment.last_activity_at = now
        store_progress(enrollment, state.progress_pct, now)
        db.session.flush()
    else:  # a second click: nothing changed but the activity
        touch(enrollment, now)
    if created:
        events.emit("progress_changed", enrollment)
    return created


def complete_lesson(user, lesson: Lesson) -> bool:
    """For other features (grading completes an assignment lesson): record the lesson as done for an
    enrolled user, update progress, send progress_changed. True if newly done; NotEnrolled otherwise."""
    course = load_course(course_id=lesson.module.course_id)
    state = course_state(course, user, with_scores=False)
    return record_completion(state, lesson)


def refresh_progress(enrollment: Enrollment) -> int:
    """Recount an enrolment's progress from the database (one aggregate query), e.g. after the course's
    lessons changed. Returns the percentage."""
    _, pct = progress_counts(Enrollment.id == enrollment.id)[enrollment.id]
    store_progress(enrollment, pct, utcnow())
    db.session.flush()
    return pct


# --------------------------------------------------------------------------- dashboard


@dataclass
class DashboardEntry:
    state: CourseState

    @property
    def course(self) -> Course:
        return self.state.course

    @property
    def enrollment(self) -> Enrollment:
        return self.state.enrollment


def dashboard(user) -> list[DashboardEntry]:
    """The user's enrolled courses with progress, the lesson to resume and pre/post scores: the
    enrolments, the courses' outlines from the cache (one small query for their versions) and the
    lessons done and best scores in all of them (one query): three queries whatever the number of courses."""
    enrollments = list(db.session.scalars(
        select(Enrollment).where(Enrollment.user_id == user.id).order_by(Enrollment.enrolled_at, Enrollment.id)
        .options(lazyload(Enrollment.course), lazyload(Enrollment.user))))
    outlines = outline.load_many({e.course_id for e in enrollments})
    courses = {e.id: outlines[e.course_id] for e in enrollments
               if e.course_id in outlines and outlines[e.course_id].published}
    enrollments = [e for e in enrollments if e.id in courses]
    if not enrollments:
        return []
    tests = {e.id: [quiz for quiz in courses[e.id].quizzes if quiz.role in ("pretest", "posttest")]
             for e in enrollments}
    done, scores = _progress_and_scores(
        user.id, [lesson.id for e in enrollments for lesson in ordered_lessons(courses[e.id])],
        [quiz.id for e in enrollments for quiz in tests[e.id]])
    entries = []
    for enrollment in enrollments:
        course = courses[enrollment.id]
        lessons = ordered_lessons(course)
        state = CourseState(course=course, enrollment=enrollment, lessons=lessons,
                            done_ids={lesson.id for lesson in lessons if lesson.id in done},
                            quizzes=tests[enrollment.id],
                            scores={quiz.id: scores[quiz.id] for quiz in tests[enrollment.id] if quiz.id in scores})
        entries.append(DashboardEntry(state))
    return entries


# --------------------------------------------------------------------------- quizzes


@dataclass
class QuizState:
    """One person's attempts at one quiz and what they may do next."""

    quiz: Quiz
    attempts: list[QuizAttempt]
    locked: bool = False  # a quiz lesson still locked, or the post-test before the lessons are done
    enrolled: bool = True

    @property
    def submitted(self) -> list[QuizAttempt]:
        return [a for a in self.attempts if a.submitted_at is not None]

    @property
    def open_attempt(self) -> QuizAttempt | None:
        return next((a for a in self.attempts if a.submitted_at is None), None)

    @property
    def best(self) -> QuizAttempt | None:
        done = self.submitted
        return max(done, key=lambda a: (a.score or 0, -a.number)) if done else None

    @property
    def best_score(self) -> float | None:
        return self.best.score if self.best else None

    @property
    def passed(self) -> bool:
        return any(a.passed for a in self.submitted)

    @property
    def attempts_left(self) -> int | None:
        """None = unlimited."""
        if not self.quiz.attempts_allowed:
            return None
        return max(0, self.quiz.attempts_allowed - len(self.attempts))

    @property
    def can_start(self) -> bool:
        if not self.enrolled or self.locked:
            return False
        return self.open_attempt is not None or self.attempts_left is None or self.attempts_left > 0


def quiz_state(quiz: Quiz, user, course_state_: CourseState | None = None, now: datetime | None = None) -> QuizState:
    """Attempts of `user` at `quiz` (oldest first); an open attempt past its deadline is graded first."""
    attempts = list(db.session.scalars(select(QuizAttempt).where(
        QuizAttempt.quiz_id == quiz.id, QuizAttempt.user_id == user.id).order_by(QuizAttempt.number)))
    for attempt in attempts:
        if attempt.submitted_at is None and is_expired(attempt, now):
            grade_attempt(attempt, now=now, course_state_=course_state_)
    locked = False
    enrolled = True
    if course_state_ is not None:
        enrolled = course_state_.enrollment is not None
        locked = quiz_locked(course_state_, quiz)
    return QuizState(quiz=quiz, attempts=attempts, locked=locked, enrolled=enrolled)


def quiz_locked(state: CourseState, quiz: Quiz) -> bool:
    if quiz.role == "posttest":
        return not state.posttest_open
    if quiz.role == "lesson" and quiz.lesson_id is not None:
        item = state.item(quiz.lesson_id)
        return item is None or item.locked
    return False


def _layout(quiz: Quiz, rng: random.Random) -> dict:
    questions = list(quiz.questions)
    if quiz.shuffle:
        rng.shuffle(questions)
    choices = {}
    for question in questions:
        ids = [choice.id for choice in question.choices]
        if quiz.shuffle and question.kind != "truefalse":  # Benar/Salah keep their order
            rng.shuffle(ids)
        choices[str(question.id)] = ids
    return {"questions": [question.id for question in questions], "choices": choices}


def start_attempt(state: CourseState, quiz: Quiz, now: datetime | None = None,
                  rng: random.Random | None = None) -> QuizAttempt:
    """Resume the open attempt or start a new one (question and choice order fixed now, deadline
    stored on the attempt). Refuses when not enrolled, locked or out of attempts."""
    if state.enrollment is None:
        raise NotEnrolled()
    if quiz.course_id != state.course.id:
        raise InvalidAnswer()
    qstate = quiz_state(quiz, state.enrollment.user, state, now=now)
    if qstate.locked:
        raise QuizLocked() if quiz.role == "posttest" else LessonLocked()
    if qstate.open_attempt is not None:
        return qstate.open_attempt
    if qstate.attempts_left == 0:
        raise NoAttemptsLeft()
    now = now or utcnow()
    number = max((a.number for a in qstate.attempts), default=0) + 1
    values = {"quiz_id": quiz.id, "user_id": state.enrollment.user_id, "number": number, "started_at": now,
              "layout": _layout(quiz, rng or random.SystemRandom()), "deadline_at": None}
    if quiz.time_limit_minutes:
        values["deadline_at"] = now + timedelta(minutes=quiz.time_limit_minutes)
    # The unique (quiz, user, number) decides a race between two tabs: the loser resumes the winner's attempt.
    _insert_ignore(QuizAttempt, values, ["quiz_id", "user_id", "number"])
    attempt = db.session.scalar(select(QuizAttempt).where(
        QuizAttempt.quiz_id == quiz.id, QuizAttempt.user_id == state.enrollment.user_id,
        QuizAttempt.number == number))
    state.enrollment.last_activity_at = now
    db.session.flush()
    return attempt


def load_attempt(attempt_id: int, user, full: bool = True) -> QuizAttempt | None:
    """The user's own attempt with its quiz, and unless `full` is false its questions, choices and
    answers (None for anyone else's attempt). Saving an answer needs only the attempt and its quiz."""
    stmt = select(QuizAttempt).where(QuizAttempt.id == attempt_id, QuizAttempt.user_id == user.id)
    if full:
        stmt = stmt.options(
            selectinload(QuizAttempt.quiz).selectinload(Quiz.questions).selectinload(Question.choices),
            selectinload(QuizAttempt.answers))
    else:
        stmt = stmt.options(joinedload(QuizAttempt.quiz))
    return db.session.scalar(stmt)


def is_expired(attempt: QuizAttempt, now: datetime | None = None) -> bool:
    if attempt.deadline_at is None:
        return False
    return (now or utcnow()) > attempt.deadline_at + timedelta(seconds=GRACE_SECONDS)


def ordered_questions(attempt: QuizAttempt) -> list[tuple[Question, list]]:
    """The attempt's questions and choices in the order fixed when it started."""
    by_id = {question.id: question for question in attempt.quiz.questions}
    layout = attempt.layout or {}
    order = [qid for qid in layout.get("questions", []) if qid in by_id] or list(by_id)
    result = []
    for qid in order:
        question = by_id[qid]
        choices_by_id = {choice.id: choice for choice in question.choices}
        choice_order = [cid for cid in (layout.get("choices") or {}).get(str(qid), []) if cid in choices_by_id]
        choice_order += [cid for cid in choices_by_id if cid not in choice_order]
        result.append((question, [choices_by_id[cid] for cid in choice_order]))
    return result


def parse_answers(attempt: QuizAttempt, form: dict[int, list[str]]) -> dict[int, tuple[list[int] | None, str | None]]:
    """Check raw answers {question_id: [values]} against the attempt's questions. Every value is
    checked before anything is written; a question or choice outside the attempt is refused."""
    rules = _answer_rules(attempt.quiz, set(form))
    allowed = set((attempt.layout or {}).get("questions", [])) or set(rules)
    parsed: dict[int, tuple[list[int] | None, str | None]] = {}
    for qid, values in form.items():
        rule = rules.get(qid)
        if rule is None or qid not in allowed:
            raise InvalidAnswer()
        kind, valid = rule.kind, rule.choice_ids
        values = [v for v in values if v is not None and str(v).strip() != ""]
        if kind in TYPED_KINDS:
            parsed[qid] = (None, typed_answers.parse(rule, values, InvalidAnswer))
            continue
        if kind == "short":
            if len(values) > 1:
                raise InvalidAnswer()
            text = str(values[0]).strip() if values else ""
            if len(text) > SHORT_ANSWER_MAX:
                raise InvalidAnswer(_l("Jawaban terlalu panjang (paling banyak %(n)d huruf).", n=SHORT_ANSWER_MAX))
            parsed[qid] = (None, text or None)
            continue
        try:
            ids = sorted({int(v) for v in values})
        except (TypeError, ValueError):
            raise InvalidAnswer() from None
        if not set(ids) <= valid or (kind in ("single", "truefalse") and len(ids) > 1):
            raise InvalidAnswer()
        parsed[qid] = (ids, None)
    return parsed


def _answer_rules(quiz: Quiz, question_ids: set[int]) -> dict[int, typed_answers.Rule]:
    """{question id: its rule (kind, choice ids …)} for those of `question_ids` that belong to the quiz:
    from the loaded questions, or one query when they are not loaded (saving a single answer)."""
    if "questions" in quiz.__dict__:
        return {question.id: typed_answers.rule_for(question.kind, [(c.id, c.text, c.match) for c in question.choices])
                for question in quiz.questions if question.id in question_ids}
    found: dict[int, tuple[str, list]] = {}
    if question_ids:
        rows = db.session.execute(
            select(Question.id, Question.kind, Choice.id, Choice.text, Choice.match)
            .outerjoin(Choice, Choice.question_id == Question.id)
            .where(Question.quiz_id == quiz.id, Question.id.in_(question_ids))
            .order_by(Question.id, Choice.position, Choice.id))
        for question_id, kind, choice_id, text, match in rows:
            choices = found.setdefault(question_id, (kind, []))[1]
            if choice_id is not None:
                choices.append((choice_id, text, match))
    return {qid: typed_answers.rule_for(kind, choices) for qid, (kind, choices) in found.items()}


def save_answers(attempt: QuizAttempt, form: dict[int, list[str]], now: datetime | None = None) -> list[int]:
    """Save answers as they are chosen. Refused after the deadline (plus a few seconds' grace): the
    attempt is then graded with what was saved in time, and TimeUp is raised. Returns the saved ids."""
    if attempt.submitted_at is not None:
        raise AttemptClosed()
    now = now or utcnow()
    if is_expired(attempt, now):
        attempt = load_attempt(attempt.id, db.session.get(User, attempt.user_id))  # questions and answers too
        grade_attempt(attempt, now=now)
        raise TimeUp()
    parsed = parse_answers(attempt, form)
    db.session.flush()
    for qid, (choice_ids, text) in parsed.items():
        _insert_ignore(AttemptAnswer,
                       {"attempt_id": attempt.id, "question_id": qid, "choice_ids": choice_ids, "text": text,
                        "saved_at": now},
                       ["attempt_id", "question_id"], update=["choice_ids", "text", "saved_at"])
    if parsed:  # the rows changed under the ORM: reload them when next read
        if "answers" in attempt.__dict__:
            for answer in attempt.answers:
                db.session.expire(answer)
        db.session.expire(attempt, ["answers"])
    return list(parsed)


def score_answer(question: Question, answer: AttemptAnswer | None) -> float:
    """0..1 of the question's points. Choice weights are percent; the total is kept within 0..1."""
    if answer is None:
        return 0.0
    if question.kind in TYPED_KINDS:
        return typed_answers.score(question, answer.text)
    if question.kind == "short":
        match = question.short_match(answer.text)
        return max(0.0, min(1.0, match[0] / 100.0)) if match else 0.0
    chosen = set(answer.choice_ids or [])
    if not chosen:
        return 0.0
    total = sum(choice.weight for choice in question.choices if choice.id in chosen) / 100.0
    return max(0.0, min(1.0, total))


def grade_attempt(attempt: QuizAttempt, now: datetime | None = None,
                  course_state_: CourseState | None = None) -> QuizAttempt:
    """Grade an open attempt with its saved answers; a passed lesson quiz completes its lesson.
    Sends progress_changed for every graded attempt."""
    if attempt.submitted_at is not None:
        return attempt
    now = now or utcnow()
    quiz = attempt.quiz
    answers = {answer.question_id: answer for answer in attempt.answers}
    questions = list(quiz.questions)
    total = 0.0
    for question in questions:
        points = score_answer(question, answers.get(question.id))
        if question.id in answers:
            answers[question.id].score = points
        total += points
    attempt.score = round(total * 100 / len(questions), 2) if questions else 0.0
    attempt.passed = attempt.score >= quiz.pass_mark
    attempt.submitted_at = now
    db.session.flush()

    state = course_state_
    if state is None or state.enrollment is None or state.enrollment.user_id != attempt.user_id:
        course = load_course(course_id=quiz.course_id)
        state = course_state(course, db.session.get(User, attempt.user_id), with_scores=False)
    if state.enrollment is None:
        return attempt
    if quiz.role == "lesson" and attempt.passed and quiz.lesson_id is not None:
        lesson = next((lesson for lesson in state.lessons if lesson.id == quiz.lesson_id), None)
        if lesson is not None and record_completion(state, lesson):
            return attempt  # record_completion sent progress_changed
    state.enrollment.last_activity_at = now
    db.session.flush()
    events.emit("progress_changed", state.enrollment)
    return attempt


def submit_attempt(attempt: QuizAttempt, form: dict[int, list[str]] | None = None, now: datetime | None = None,
                   course_state_: CourseState | None = None) -> bool:
    """Submit: save the posted answers (only if in time) and grade. Returns False when the answers
    came too late (the attempt is graded with what was saved before the deadline)."""
    if attempt.submitted_at is not None:
        raise AttemptClosed()
    now = now or utcnow()
    in_time = not is_expired(attempt, now)
    if in_time and form:
        parsed = parse_answers(attempt, form)  # refuse tampering before writing anything
        if parsed:
            save_answers(attempt, form, now=now)
    grade_attempt(attempt, now=now, course_state_=course_state_)
    return in_time


CONFIRM_MARGIN_SECONDS = 15  # this close to the deadline an attempt is sent at once, never held for a question


def is_last_chance(attempt: QuizAttempt) -> bool:
    """No attempt is left after this one (a one-attempt pre-test or post-test, the last of a few)."""
    allowed = attempt.quiz.attempts_allowed
    return bool(allowed) and attempt.number >= allowed


def unanswered(attempt: QuizAttempt) -> list[int]:
    """The numbers (1, 2, … in the attempt's order) of the questions without a saved answer."""
    answered = {answer.question_id for answer in attempt.answers if answer.choice_ids or (answer.text or "").strip()}
    return [number for number, (question, _choices) in enumerate(ordered_questions(attempt), 1)
            if question.id not in answered]


def hold_for_confirmation(attempt: QuizAttempt, form: dict[int, list[str]], now: datetime | None = None) -> list[int]:
    """Before sending the last chance at a quiz with questions left blank: save the posted answers and
    return the blank questions' numbers, so the participant is asked to confirm (nothing is graded).
    Returns [] when the attempt may be sent at once: a retry remains, nothing is blank, or the deadline
    is (nearly) there — the timer's own submission is never held."""
    if attempt.submitted_at is not None:
        raise AttemptClosed()
    now = now or utcnow()
    if not is_last_chance(attempt) or is_expired(attempt, now + timedelta(seconds=CONFIRM_MARGIN_SECONDS)):
        return []
    if form and parse_answers(attempt, form):
        save_answers(attempt, form, now=now)
    return unanswered(attempt)


def answers_visible(quiz: Quiz, qstate: QuizState) -> bool:
    """Whether the right answers may be shown after an attempt (always / after passing / never)."""
    if quiz.show_answers == "always":
        return True
    if quiz.show_answers == "after_pass":
        # A pre-test has no real pass mark, so "after passing" would mean "at once": keep them hidden.
        return qstate.passed and quiz.role != "pretest"
    return False


# --------------------------------------------------------------------------- pre-test / post-test report


@dataclass
class PrePostRow:
    enrollment: Enrollment
    pre: float | None
    post: float | None

    @property
    def gain(self) -> float | None:
        if self.pre is None or self.post is None:
            return None
        return round(self.post - self.pre, 2)


PREPOST_PAGE = 100  # participants on one page of the pre/post report
PREPOST_FILTER_OVER = 500  # past this many enrolments the report is read one cohort at a time


@dataclass
class PrePostReport:
    course: Course
    pretest: Quiz | None
    posttest: Quiz | None
    rows: list[PrePostRow]
    post_attempt: str = "first"  # which post-test attempt counts: "first" or "best" (POST_ATTEMPTS)
    count: int = 0  # participants in the filter (all pages)
    average_pre: float | None = None
    average_post: float | None = None
    average_gain: float | None = None  # mean of post − pre over participants who took both
    both_count: int = 0
    page: int = 1
    has_next: bool = False
    needs_filter: bool = False  # too many participants to report at once: choose a cohort


def _capped_count(stmt, cap: int) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.limit(cap + 1).subquery())) or 0


# Which post-test attempt the gain report counts. The first by default: the post-test allows a retake
# (two attempts), and its best would count the retake, a second look at the same items, as learning,
# while the pre-test had one attempt. "best" is offered as an option. The pre-test counts its first
# attempt either way.
POST_ATTEMPTS = ("first", "best")


def _score_per_user(quiz_id: int, members, rule: str):
    """A subquery (user_id, score) of the quiz's first (or best) submitted attempt per member."""
    submitted = and_(QuizAttempt.quiz_id == quiz_id, QuizAttempt.submitted_at.is_not(None),
                     QuizAttempt.user_id.in_(members))
    if rule == "best":
        return (select(QuizAttempt.user_id, func.max(QuizAttempt.score).label("score"))
                .where(submitted).group_by(QuizAttempt.user_id).subquery())
    first = (select(QuizAttempt.user_id, func.min(QuizAttempt.number).label("number"))
             .where(submitted).group_by(QuizAttempt.user_id).subquery())
    return (select(QuizAttempt.user_id, QuizAttempt.score.label("score"))
            .join(first, and_(QuizAttempt.user_id == first.c.user_id, QuizAttempt.number == first.c.number))
            .where(QuizAttempt.quiz_id == quiz_id).subquery())


def pre_post_report(course: Course, cohort_id: int | None = None, post_attempt: str = "first",
                    viewer=None, page: int = 1) -> PrePostReport:
    """Per participant (one page, by name): the first pre-test score, the first (or, with
    post_attempt="best", the best) post-test score and the gain; the averages over the whole filter come
    from aggregate queries (subqueries of the enrolments, no id list); with `viewer`, only the
    participants the viewer may see. A course with more than PREPOST_FILTER_OVER enrolments is reported
    one cohort at a time."""
    if post_attempt not in POST_ATTEMPTS:
        raise ValueError(post_attempt)
    pretest = next((quiz for quiz in course.quizzes if quiz.role == "pretest"), None)
    posttest = next((quiz for quiz in course.quizzes if quiz.role == "posttest"), None)
    report = PrePostReport(course=course, pretest=pretest, posttest=posttest, rows=[], page=max(page, 1),
                           post_attempt=post_attempt)
    members = select(Enrollment.user_id).where(Enrollment.course_id == course.id)
    if cohort_id is not None:
        members = members.where(Enrollment.cohort_id == cohort_id)
    if viewer is not None:
        members = members.where(visible_enrollments(viewer))
    if cohort_id is None and _capped_count(members, PREPOST_FILTER_OVER) > PREPOST_FILTER_OVER:
        report.needs_filter = True
        return report
    quiz_ids = [quiz.id for quiz in (pretest, posttest) if quiz is not None]

    def rounded(value):
        return round(float(value), 2) if value is not None else None

    pre = _score_per_user(pretest.id, members, "first") if pretest else None
    post = _score_per_user(posttest.id, members, post_attempt) if posttest else None
    if pre is not None:
        report.average_pre = rounded(db.session.scalar(select(func.avg(pre.c.score))))
    if post is not None:
        report.average_post = rounded(db.session.scalar(select(func.avg(post.c.score))))
    if pre is not None and post is not None:
        gain, both = db.session.execute(select(func.avg(post.c.score - pre.c.score), func.count())
                                        .select_from(pre.join(post, pre.c.user_id == post.c.user_id))).one()
        report.average_gain, report.both_count = rounded(gain), both or 0
    report.count = db.session.scalar(select(func.count()).select_from(members.subquery())) or 0
    stmt = (select(Enrollment).join(User, User.id == Enrollment.user_id)
            .options(joinedload(Enrollment.user).joinedload(User.cooperative))
            .where(Enrollment.course_id == course.id)
            .order_by(func.lower(User.full_name), Enrollment.user_id)
            .limit(PREPOST_PAGE + 1).offset((report.page - 1) * PREPOST_PAGE))
    if cohort_id is not None:
        stmt = stmt.where(Enrollment.cohort_id == cohort_id)
    if viewer is not None:  # only the participants the viewer may see (kopedu.web.access)
        stmt = stmt.where(visible_enrollments(viewer))
    enrollments = list(db.session.scalars(stmt).unique())
    report.has_next = len(enrollments) > PREPOST_PAGE
    enrollments = enrollments[:PREPOST_PAGE]
    user_ids = [e.user_id for e in enrollments]
    scores = first_scores(quiz_ids, user_ids) if enrollments else {}
    if post_attempt == "best" and posttest is not None and enrollments:
        scores.update(best_scores([posttest.id], user_ids))
    report.rows = [PrePostRow(enrollment=e,
                              pre=scores.get((e.user_id, pretest.id)) if pretest else None,
                              post=scores.get((e.user_id, posttest.id)) if posttest else None)
                   for e in enrollments]
    return report
