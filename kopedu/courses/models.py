"""Course content: Course → Module → Lesson, quiz definitions (Quiz → Question → Choice),
assignment definitions (Assignment → RubricCriterion) and uploaded course media."""
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kopedu.courses import gift
from kopedu.db import TimestampMixin, local_zone
from kopedu.extensions import db

LESSON_KINDS = ("reading", "video", "file", "quiz", "assignment")
QUESTION_KINDS = ("single", "multiple", "truefalse", "short")
QUIZ_ROLES = ("lesson", "pretest", "posttest")
SHOW_ANSWERS = ("always", "after_pass", "never")
ASSIGNMENT_KINDS = ("text_file", "business_plan")

course_trainer = Table(
    "course_trainer",
    db.metadata,
    Column("course_id", ForeignKey("course.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
)


class Course(TimestampMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown
    jp_hours: Mapped[int] = mapped_column(default=0)  # jam pelajaran, printed on the certificate
    sequential: Mapped[bool] = mapped_column(default=False)
    self_enroll: Mapped[bool] = mapped_column(default=True)
    published: Mapped[bool] = mapped_column(default=False)
    # A new random token on every change of the outline (kopedu.courses.outline): the outline cache's key.
    outline_version: Mapped[str] = mapped_column(String(16), default=lambda: _version())

    modules: Mapped[list["Module"]] = relationship(
        back_populates="course", order_by="Module.position", cascade="all, delete-orphan")
    quizzes: Mapped[list["Quiz"]] = relationship(back_populates="course", cascade="all, delete-orphan")
    # Loaded when read (a national course has a trainer per cohort: thousands of accounts, which
    # every page that loads the course would otherwise load too); is_trainer asks the table instead.
    trainers = relationship("User", secondary=course_trainer, lazy="select")

    def __repr__(self) -> str:
        return f"<Course {self.slug}>"

    def trainer_ids(self) -> frozenset[int]:
        """The ids of the course's trainers (kept by the outline cache, else from `trainers`)."""
        ids = self.__dict__.get("_trainer_ids")
        return ids if ids is not None else frozenset(t.id for t in self.trainers)

    def is_trainer(self, user) -> bool:
        """Admins, and the course's trainers while their role is trainer (a trainer made observer or
        participant loses the course at once, even though the assignment row stays)."""
        if not getattr(user, "is_authenticated", False):
            return False
        if user.is_admin:
            return True
        if user.role != "trainer":
            return False
        if self.__dict__.get("_trainer_ids") is None and "trainers" not in self.__dict__ and self.id is not None:
            from sqlalchemy import exists, select

            return bool(db.session.scalar(select(exists().where(course_trainer.c.course_id == self.id,
                                                                course_trainer.c.user_id == user.id))))
        return user.id in self.trainer_ids()


def _version() -> str:
    from kopedu.courses.outline import new_version

    return new_version()


class Module(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    course: Mapped[Course] = relationship(back_populates="modules")
    lessons: Mapped[list["Lesson"]] = relationship(
        back_populates="module", order_by="Lesson.position", cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("course_id", "slug"),)


class Lesson(TimestampMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(20), default="reading")
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown
    minutes: Mapped[int] = mapped_column(default=5)
    required: Mapped[bool] = mapped_column(default=True)
    published: Mapped[bool] = mapped_column(default=True)
    video_url: Mapped[str | None] = mapped_column(String(500))
    settings: Mapped[dict | None] = mapped_column(JSON)  # kind-specific extras (e.g. an assignment block)

    module: Mapped[Module] = relationship(back_populates="lessons")
    quiz: Mapped["Quiz | None"] = relationship(back_populates="lesson", uselist=False)
    attachments: Mapped[list["LessonAttachment"]] = relationship(
        back_populates="lesson", order_by="LessonAttachment.position", cascade="all, delete-orphan")
    assignment: Mapped["Assignment | None"] = relationship(
        back_populates="lesson", uselist=False, cascade="all, delete-orphan")
    narration: Mapped["LessonNarration | None"] = relationship(
        back_populates="lesson", uselist=False, cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("module_id", "slug"),)


class Quiz(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), unique=True)
    role: Mapped[str] = mapped_column(String(20), default="lesson")  # lesson | pretest | posttest
    title: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="")
    pass_mark: Mapped[int] = mapped_column(default=70)  # percent
    attempts_allowed: Mapped[int] = mapped_column(default=0)  # 0 = unlimited
    shuffle: Mapped[bool] = mapped_column(default=True)
    show_answers: Mapped[str] = mapped_column(String(20), default="after_pass")
    time_limit_minutes: Mapped[int | None] = mapped_column()

    course: Mapped[Course] = relationship(back_populates="quizzes")
    lesson: Mapped[Lesson | None] = relationship(back_populates="quiz")
    questions: Mapped[list["Question"]] = relationship(
        back_populates="quiz", order_by="Question.position", cascade="all, delete-orphan")


class Question(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(20))  # single | multiple | truefalse | short | numerical | matching
    title: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    feedback: Mapped[str] = mapped_column(Text, default="")
    answers: Mapped[list | None] = mapped_column(JSON)  # accepted short answers

    quiz: Mapped[Quiz] = relationship(back_populates="questions")
    # Single/multiple/true-false: the choices. Short answer: every answer in order with its weight
    # and feedback (`answers` then lists the ones worth points); a short answer saved before
    # answers had choices has none, and its `answers` count 100% each.
    choices: Mapped[list["Choice"]] = relationship(
        back_populates="question", order_by="Choice.position", cascade="all, delete-orphan")

    def short_match(self, response: str | None) -> tuple[float, str] | None:
        """(weight, feedback) of the first short answer the response matches (Moodle's order and
        `*` wildcard), or None."""
        if not response:
            return None
        rules = ([(c.text, c.weight, c.feedback or "") for c in self.choices]
                 or [(a, 100.0, "") for a in (self.answers or [])])
        for text, weight, feedback in rules:
            if gift.answer_matches(text, response):
                return weight, feedback
        return None

    def numeric_match(self, response: str | None) -> "Choice | None":
        """The answer of a numerical question that a typed number (Indonesian way) falls within."""
        value = gift.read_number(response)
        return None if value is None else gift.numeric_match(self.choices, value)

    @property
    def match_options(self) -> list["Choice"]:
        """Matching: one choice per distinct right side (the first that has it), in position order;
        the learner picks among these for each left side."""
        seen: dict[str, Choice] = {}
        for choice in self.choices:
            seen.setdefault(choice.match, choice)
        return list(seen.values())

    @property
    def match_items(self) -> list["Choice"]:
        """Matching: the left sides to be matched (distractors have none)."""
        return [choice for choice in self.choices if choice.text]


class Choice(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(Text)
    weight: Mapped[float] = mapped_column(default=0.0)  # percent of the question's points
    feedback: Mapped[str] = mapped_column(Text, default="")
    # Numerical: `text` is the answer (a decimal), `tolerance` the margin either side ("" for `*`).
    tolerance: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # Matching: `text` is the left side ("" for a distractor), `match` the right side it goes with.
    match: Mapped[str] = mapped_column(Text, default="", server_default="")

    question: Mapped[Question] = relationship(back_populates="choices")

    @property
    def correct(self) -> bool:
        return self.weight > 0


class LessonAttachment(TimestampMixin, db.Model):
    """A file handed out with a lesson (a PDF handout, a worksheet). The bytes live under
    UPLOAD_DIR/lessons/ with a random name; `filename` is the name the participant downloads."""

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))

    lesson: Mapped[Lesson] = relationship(back_populates="attachments")

    __table_args__ = (UniqueConstraint("lesson_id", "filename"),)
class LessonNarration(TimestampMixin, db.Model):
    """A trainer's recorded reading of a lesson (uploaded, or recorded in the lesson editor), played on
    the lesson page for officers who read poorly. The bytes live under UPLOAD_DIR/narrations/."""

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), unique=True)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # mp3 | m4a | ogg | webm (kopedu.web.uploads.KINDS)
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    recorded: Mapped[bool] = mapped_column(default=False)  # made with the editor's recorder

    lesson: Mapped[Lesson] = relationship(back_populates="narration")


class Assignment(db.Model):
    """What an assignment lesson asks for. The instructions are the lesson's body (Markdown)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), unique=True)
    # "text_file": the participant types and/or uploads (submit_text, submit_files); "business_plan":
    # the guided workbook of kopedu.plans (ASSIGNMENT_KINDS)
    kind: Mapped[str] = mapped_column(String(20), default="text_file", server_default="text_file")
    submit_text: Mapped[bool] = mapped_column(default=True)
    submit_files: Mapped[bool] = mapped_column(default=True)
    pass_mark: Mapped[int] = mapped_column(default=70)  # percent of the rubric's maximum points
    due_days: Mapped[int | None] = mapped_column()  # due this many days after enrolment
    due_date: Mapped[date | None] = mapped_column()  # or a fixed date (wins over due_days)

    lesson: Mapped[Lesson] = relationship(back_populates="assignment", lazy="joined")
    criteria: Mapped[list["RubricCriterion"]] = relationship(
        back_populates="assignment", order_by="RubricCriterion.position", cascade="all, delete-orphan",
        lazy="selectin")

    @property
    def title(self) -> str:
        return self.lesson.title

    @property
    def max_points(self) -> int:
        return sum(c.max_points for c in self.criteria)

    def due_at(self, enrolled_at: datetime | None) -> datetime | None:
        """The deadline for a participant enrolled at `enrolled_at` (a fixed date ends at midnight local
        time, KOPEDU_TIMEZONE), in UTC."""
        if self.due_date is not None:
            return datetime.combine(self.due_date, time(23, 59, 59), tzinfo=local_zone()).astimezone(timezone.utc)
        if self.due_days and enrolled_at is not None:
            return enrolled_at + timedelta(days=self.due_days)
        return None

    def as_settings(self) -> dict:
        """The `assignment:` block of a content file (kept in Lesson.settings as a mirror)."""
        return {
            **({"kind": self.kind} if self.kind != "text_file" else {}),
            "submit_text": self.submit_text,
            "submit_files": self.submit_files,
            "pass_mark": self.pass_mark,
            "due_days": self.due_days,
            **({"due_date": self.due_date.isoformat()} if self.due_date else {}),
            "rubric": [{"criterion": c.title, "levels": [dict(level) for level in c.levels],
                        **({"steps": list(c.steps)} if c.steps else {})}
                       for c in self.criteria],
        }


class RubricCriterion(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(300))
    levels: Mapped[list] = mapped_column(JSON, default=list)  # [{"points": 4, "description": "…"}], best first
    steps: Mapped[list | None] = mapped_column(JSON)  # a workbook's step keys this criterion looks at

    assignment: Mapped[Assignment] = relationship(back_populates="criteria")

    @property
    def max_points(self) -> int:
        return max((int(level["points"]) for level in self.levels or []), default=0)


class CourseMedia(TimestampMixin, db.Model):
    """An image or attachment uploaded for a course; stored under a random name outside static/."""

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(10))  # pdf | jpg | png | docx | xlsx
    mime: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column()
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    course: Mapped[Course] = relationship()

    @property
    def is_image(self) -> bool:
        return self.kind in ("jpg", "png")

    @property
    def url_name(self) -> str:
        """A tidy file name for the URL (the download keeps the original name)."""
        import re

        stem = re.sub(r"[^A-Za-z0-9_-]+", "-", self.original_name.rsplit(".", 1)[0]).strip("-")[:60]
        return f"{stem or 'berkas'}.{self.kind}"
