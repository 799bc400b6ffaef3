"""The authorisation matrix: for every rule of the URL map and every method it answers, the status each
actor must get. test_matrix.py checks that this table and app.url_map name exactly the same routes.

Columns (world.ACTORS):
  anon    not logged in
  owner   the participant whose attempt, submission, certificate, cooperative … the URL names
  other   another participant of the same course and cohort (another kecamatan)
  trainer a trainer of the object's course and cohort (scope: Kota Kupang)
  t_oth   a trainer of another course (scope: kecamatan Maulafa)
  obs     the observer of the owner's kecamatan (Oebobo)
  o_oth   an observer of another kecamatan (Maulafa)
  admin   Dinas staff, national (no region)

Region-scoped actors (kopedu.web.access; they are not positional columns, so that rows written with the
eight columns above keep working):
  admin_region  an admin of the owner's region (Kota Kupang, 5371)
  admin_other   an admin of another region (Kabupaten Kupang, 5303)
  trainer_far   a trainer of the object's course who trains another cohort of it, in Kabupaten Kupang

Their cells are derived from the eight above unless a row gives them as keywords
(`row(..., admin_other=403)`) or the `# --- region` block at the end overrides them:
  admin_region  = admin's cell.
  admin_other   = admin's cell when admin is refused (L/401/403/404), when observer_other gets the same
                  (a page for everyone), or when the URL names no object of the owner's region (no variable
                  in REGIONAL_VARIABLES: list pages, forms for new objects, course content — their lists
                  then show only the admin's own region); otherwise observer_other's cell if that is a
                  refusal, else 403.
  trainer_far   = the same rule with trainer's cell and trainer_other's.
So a row for a new page of personal data, e.g. `row(L, 200, 403, 200, 403, 200, 403, 200)` for
"GET /x/<int:enrollment_id>", expects 200 from admin_region and 403 from admin_other and trainer_far.
A URL with a REGIONAL_VARIABLE names an object of the owner's region (Kota Kupang): the owner, their
cooperative, region, cohort, session, enrolment, import, certificate, submission, file, attempt or export.

Cells: an HTTP status, or L = redirected to the login page (302 to /masuk).
POST bodies are chosen so that allowed actors pass the access check without destroying what later
rows need: forms are sent incomplete (422), deletions and one-shot actions get a fresh object per
request (`values` is called before every request), and logging out gets a freshly logged-in client.
"""
from dataclasses import dataclass, field
from typing import Callable

from tests.security import world as W

L = "login"


@dataclass
class Case:
    expect: dict
    values: Callable | None = None      # w -> URL values that differ from defaults(w); called per request
    data: Callable | dict | None = None  # the form body of a POST (dict, or w -> dict)
    relogin: bool = False                # the request ends the session: use a new client per actor
    query: str = ""
    extra: dict = field(default_factory=dict)  # cells of the region-scoped actors given by the row


REGION_ACTORS = ("admin_region", "admin_other", "trainer_far")
REFUSED = (L, 401, 403, 404)
REGIONAL_VARIABLES = {"user_id", "coop_id", "code", "cohort_id", "session_id", "enrollment_id", "import_id",
                      "certificate_id", "submission_id", "file_id", "attempt_id", "export_id"}


def row(anon, owner, other, trainer, t_oth, obs, o_oth, admin, **options) -> Case:
    cells = (anon, owner, other, trainer, t_oth, obs, o_oth, admin)
    extra = {actor: options.pop(actor) for actor in REGION_ACTORS if actor in options}
    return Case(expect=dict(zip(W.ACTORS, cells)), extra=extra, **options)


def _regional(key: str) -> bool:
    import re

    return any(name in REGIONAL_VARIABLES for name in re.findall(r"<(?:[^<>]*:)?(\w+)>", key))


def _derived(key: str, case: Case, actor: str):
    """The documented default of a region-scoped actor's cell (see the top of this file)."""
    e = case.expect
    if actor == "admin_region":
        return e["admin"]
    mine, elsewhere = ("admin", "observer_other") if actor == "admin_other" else ("trainer", "trainer_other")
    if e[mine] in REFUSED or e[mine] == e[elsewhere] or not _regional(key):
        return e[mine]
    return e[elsewhere] if e[elsewhere] in REFUSED else 403


def _complete(table: dict, overrides: dict) -> None:
    """Fill every row's region-scoped cells: the row's keywords, else the override block, else the rule."""
    for key, case in table.items():
        changes = dict(overrides.get(key, {}))
        for option in ("values", "data", "query"):
            if option in changes:
                setattr(case, option, changes.pop(option))
        for actor in REGION_ACTORS:
            case.expect[actor] = case.extra.get(actor, changes.get(actor, _derived(key, case, actor)))


def defaults(w) -> dict:
    """What fills each URL variable unless a row says otherwise."""
    return {
        "user_id": w.owner.id, "coop_id": w.owner.cooperative_id, "code": "5371030", "fmt": "csv",
        "course_id": w.course.id, "slug": w.course.slug, "module_id": w.module.id, "lesson_id": w.reading.id,
        "quiz_id": w.quiz.id, "question_id": w.question.id, "assignment_id": w.assignment.id,
        "criterion_id": w.criterion.id, "role": "pretest", "media_id": w.media.id,
        "name": w.media.stored_name, "filename": "gambar.png", "attachment_id": w.attachment.id,
        "attempt_id": w.attempt.id, "submission_id": w.submission.id, "file_id": w.file.id,
        "cohort_id": w.cohort.id, "session_id": w.session.id, "enrollment_id": w.enrollment.id,
        "import_id": w.import_pending.id, "certificate_id": w.certificate.id, "version": 1,
        "export_id": w.export.id, "job_id": w.job.id,
        "kawal_id": w.kawal.id, "action_id": w.checkin_action.id, "upload_id": w.upload.id,
    }


def _verify_code(w):
    from kopedu.certificates import codes

    return {"code": codes.display(w.certificate.verify_code)}


#                                                      anon  owner other trainer t_oth obs  o_oth admin
TABLE: dict[str, Case] = {
    # --- public and account
    "GET /":                                         row(L,   302,  302,  302,  302,  302,  302,  302),
    "GET /masuk":                                    row(200, 302,  302,  302,  302,  302,  302,  302),
    "POST /masuk":                                   row(422, 302,  302,  302,  302,  302,  302,  302),
    "POST /keluar":                                  row(L,   303,  303,  303,  303,  303,  303,  303, relogin=True),
    "GET /akun/kata-sandi":                          row(L,   200,  200,  200,  200,  200,  200,  200),
    "POST /akun/kata-sandi":                         row(L,   422,  422,  422,  422,  422,  422,  422),
    "POST /bahasa":                                  row(303, 303,  303,  303,  303,  303,  303,  303,
                                                         data={"lang": "id"}),
    "GET /beranda":                                  row(L,   200,  200,  200,  200,  200,  200,  200),
    "GET /livez":                                    row(200, 200,  200,  200,  200,  200,  200,  200),
    "GET /sw.js":                                    row(200, 200,  200,  200,  200,  200,  200,  200),
    "GET /offline":                                  row(200, 200,  200,  200,  200,  200,  200,  200),
    "GET /healthz":                                  row(200, 200,  200,  200,  200,  200,  200,  200),
    "GET /readyz":                                   row(200, 200,  200,  200,  200,  200,  200,  200),
    "GET /verifikasi":                               row(200, 200,  200,  200,  200,  200,  200,  200),
    "GET /verifikasi/<code>":                        row(200, 200,  200,  200,  200,  200,  200,  200,
                                                         values=_verify_code),

    # --- admin: accounts
    "GET /admin/pengguna":                           row(L,   403,  403,  403,  403,  403,  403,  200),
    "GET /admin/pengguna/baru":                      row(L,   403,  403,  403,  403,  403,  403,  200),
    "POST /admin/pengguna/baru":                     row(L,   403,  403,  403,  403,  403,  403,  422),
    "GET /admin/pengguna/<int:user_id>":             row(L,   403,  403,  403,  403,  403,  403,  200),
    "POST /admin/pengguna/<int:user_id>":            row(L,   403,  403,  403,  403,  403,  403,  422,
                                                         data={"full_name": ""}),
    "POST /admin/pengguna/<int:user_id>/reset-sandi": row(L,  403,  403,  403,  403,  403,  403,  200,
                                                         values=lambda w: {"user_id": W.fresh_user(w).id}),

    # --- courses: catalogue, course page, lessons, handouts, enrolment, progress, pre/post report
    "GET /kursus":                                   row(L,   200,  200,  200,  200,  200,  200,  200),
    "GET /kursus/<slug>":                            row(L,   200,  200,  200,  200,  200,  200,  200),
    "POST /kursus/<slug>/daftar":                    row(L,   303,  303,  403,  403,  403,  403,  403),
    "GET /kursus/<slug>/pelajaran/<int:lesson_id>":  row(L,   200,  200,  200,  403,  403,  403,  200),
    "POST /kursus/<slug>/pelajaran/<int:lesson_id>/selesai":
                                                     row(L,   303,  303,  403,  403,  403,  403,  403),
    # the handout belongs to a lesson of module 5: still locked for the other participant
    "GET /kursus/<slug>/berkas/<int:attachment_id>": row(L,   200,  409,  200,  403,  403,  403,  200),
    "GET /kursus/<slug>/pre-post":                   row(L,   403,  403,  200,  403,  403,  403,  200),

    # --- quizzes (the owner's attempt is nobody else's business, not even the trainer's: 404)
    "GET /kuis/<int:quiz_id>":                       row(L,   200,  200,  200,  403,  403,  403,  200,
                                                         values=lambda w: {"quiz_id": w.pretest.id}),
    # the lesson quiz of module 1: open for the owner, locked for the other participant, not for staff
    "POST /kuis/<int:quiz_id>/mulai":                row(L,   303,  409,  403,  403,  403,  403,  403),
    "GET /kuis/percobaan/<int:attempt_id>":          row(L,   200,  404,  404,  404,  404,  404,  404),
    "POST /kuis/percobaan/<int:attempt_id>/jawab":   row(L,   303,  404,  404,  404,  404,  404,  404,
                                                         values=lambda w: {"attempt_id": W.fresh_attempt(w).id}),
    "POST /kuis/percobaan/<int:attempt_id>/kirim":   row(L,   303,  404,  404,  404,  404,  404,  404,
                                                         values=lambda w: {"attempt_id": W.fresh_attempt(w).id}),

    # --- authoring (/kelola): the course's trainers and admins
    "GET /kelola/":                                  row(L,   403,  403,  200,  200,  403,  403,  200),
    "POST /kelola/kursus/baru":                      row(L,   403,  403,  422,  422,  403,  403,  422),
    "POST /kelola/pratinjau":                        row(L,   403,  403,  200,  200,  403,  403,  200,
                                                         data={"body": "**tebal**"}),
    "GET /kelola/kursus/<int:course_id>":            row(L,   403,  403,  200,  403,  403,  403,  200),
    "POST /kelola/kursus/<int:course_id>":           row(L,   403,  403,  422,  403,  403,  403,  422,
                                                         data={"title": ""}),
    "POST /kelola/kursus/<int:course_id>/terbit":    row(L,   403,  403,  303,  403,  403,  403,  303,
                                                         data={"published": "1"}),
    "GET /kelola/kursus/<int:course_id>/pelatih":    row(L,   403,  403,  403,  403,  403,  403,  200),
    # another region's admin may not add or remove a trainer of Kota Kupang (not theirs to see): 404
    "POST /kelola/kursus/<int:course_id>/pelatih/tambah":
                                                     row(L,   403,  403,  403,  403,  403,  403,  303,
                                                         data=lambda w: {"user_id": str(w.trainer.id)},
                                                         admin_other=404),
    "POST /kelola/kursus/<int:course_id>/pelatih/<int:user_id>/lepas":
                                                     row(L,   403,  403,  403,  403,  403,  403,  303,
                                                         values=lambda w: {"user_id": W.fresh_course_trainer(w).id},
                                                         admin_other=404),
    "POST /kelola/kursus/<int:course_id>/tes/<role>": row(L,  403,  403,  303,  403,  403,  403,  303),
    "POST /kelola/kursus/<int:course_id>/modul":     row(L,   403,  403,  422,  403,  403,  403,  422),
    "POST /kelola/kursus/<int:course_id>/media":     row(L,   403,  403,  422,  403,  403,  403,  422),
    "POST /kelola/media/<int:media_id>/hapus":       row(L,   403,  403,  303,  403,  403,  403,  303,
                                                         values=lambda w: {"media_id": W.fresh_media(w).id}),
    # media of a published course: for everyone logged in (the lesson pages show them)
    "GET /kelola/media/<name>/<path:filename>":      row(L,   200,  200,  200,  200,  200,  200,  200),
    "GET /kelola/modul/<int:module_id>":             row(L,   403,  403,  200,  403,  403,  403,  200),
    "POST /kelola/modul/<int:module_id>":            row(L,   403,  403,  422,  403,  403,  403,  422,
                                                         data={"title": ""}),
    "POST /kelola/modul/<int:module_id>/pindah":     row(L,   403,  403,  303,  403,  403,  403,  303),
    "POST /kelola/modul/<int:module_id>/hapus":      row(L,   403,  403,  303,  403,  403,  403,  303,
                                                         values=lambda w: {"module_id": W.fresh_module(w).id}),
    "POST /kelola/modul/<int:module_id>/pelajaran":  row(L,   403,  403,  303,  403,  403,  403,  303),
    "GET /kelola/pelajaran/<int:lesson_id>":         row(L,   403,  403,  200,  403,  403,  403,  200),
    "POST /kelola/pelajaran/<int:lesson_id>":        row(L,   403,  403,  422,  403,  403,  403,  422,
                                                         data={"title": ""}),
    "POST /kelola/pelajaran/<int:lesson_id>/pindah": row(L,   403,  403,  303,  403,  403,  403,  303),
    "POST /kelola/pelajaran/<int:lesson_id>/tampil": row(L,   403,  403,  303,  403,  403,  403,  303,
                                                         data={"published": "1"}),
    "POST /kelola/pelajaran/<int:lesson_id>/hapus":  row(L,   403,  403,  303,  403,  403,  403,  303,
                                                         values=lambda w: {"lesson_id": W.fresh_lesson(w).id}),
    # --- quiztypes: lesson narrations (the reading lesson has one; deleting targets a spare lesson)
    "GET /kursus/<slug>/pelajaran/<int:lesson_id>/narasi":
                                                     row(L,   200,  200,  200,  403,  403,  403,  200),
    "GET /kelola/pelajaran/<int:lesson_id>/narasi/dengar":
                                                     row(L,   403,  403,  200,  403,  403,  403,  200),
    "POST /kelola/pelajaran/<int:lesson_id>/narasi": row(L,   403,  403,  303,  403,  403,  403,  303),
    "POST /kelola/pelajaran/<int:lesson_id>/narasi/hapus":
                                                     row(L,   403,  403,  303,  403,  403,  403,  303,
                                                         values=lambda w: {"lesson_id": W.fresh_lesson(w).id}),
    "GET /kelola/kuis/<int:quiz_id>":                row(L,   403,  403,  200,  403,  403,  403,  200),
    "POST /kelola/kuis/<int:quiz_id>":               row(L,   403,  403,  422,  403,  403,  403,  422,
                                                         data={"title": ""}),
    "GET /kelola/kuis/<int:quiz_id>/ekspor":         row(L,   403,  403,  200,  403,  403,  403,  200),
    "GET /kelola/kuis/<int:quiz_id>/impor":          row(L,   403,  403,  200,  403,  403,  403,  200),
    "POST /kelola/kuis/<int:quiz_id>/impor":         row(L,   403,  403,  422,  403,  403,  403,  422),
    "GET /kelola/kuis/<int:quiz_id>/soal/baru":      row(L,   403,  403,  200,  403,  403,  403,  200),
    "POST /kelola/kuis/<int:quiz_id>/soal/baru":     row(L,   403,  403,  422,  403,  403,  403,  422),
    "GET /kelola/soal/<int:question_id>":            row(L,   403,  403,  200,  403,  403,  403,  200),
    "POST /kelola/soal/<int:question_id>":           row(L,   403,  403,  422,  403,  403,  403,  422),
    "POST /kelola/soal/<int:question_id>/pindah":    row(L,   403,  403,  303,  403,  403,  403,  303),
    "POST /kelola/soal/<int:question_id>/hapus":     row(L,   403,  403,  303,  403,  403,  403,  303,
                                                         values=lambda w: {"question_id": W.fresh_question(w).id}),
    "GET /kelola/tugas/<int:assignment_id>":         row(L,   403,  403,  200,  403,  403,  403,  200),
    "POST /kelola/tugas/<int:assignment_id>":        row(L,   403,  403,  422,  403,  403,  403,  422,
                                                         data={"pass_mark": "0"}),
    "POST /kelola/tugas/<int:assignment_id>/kriteria": row(L, 403,  403,  422,  403,  403,  403,  422),
    "POST /kelola/kriteria/<int:criterion_id>":      row(L,   403,  403,  422,  403,  403,  403,  422,
                                                         data={"title": ""}),
    "POST /kelola/kriteria/<int:criterion_id>/pindah": row(L, 403,  403,  303,  403,  403,  403,  303),
    "POST /kelola/kriteria/<int:criterion_id>/hapus": row(L,  403,  403,  303,  403,  403,  403,  303,
                                                         values=lambda w: {"criterion_id": W.fresh_criterion(w).id}),

    # --- assignments and grading
    "GET /tugas":                                    row(L,   200,  200,  200,  200,  200,  200,  200),
    "GET /tugas/<int:lesson_id>":                    row(L,   200,  200,  200,  403,  403,  403,  200,
                                                         values=lambda w: {"lesson_id": w.assignment_lesson.id}),
    "POST /tugas/<int:lesson_id>/kirim":             row(L,   422,  422,  403,  403,  403,  403,  403,
                                                         values=lambda w: {"lesson_id": w.assignment_lesson.id}),
    "GET /tugas/berkas/<int:file_id>/<path:name>":   row(L,   200,  404,  200,  404,  404,  404,  200,
                                                         values=lambda w: {"name": "rencana.pdf"}),
    "GET /penilaian":                                row(L,   403,  403,  200,  200,  403,  403,  200),
    "GET /penilaian/<int:submission_id>":            row(L,   403,  403,  200,  403,  403,  403,  200),
    "POST /penilaian/<int:submission_id>/nilai":     row(L,   403,  403,  422,  403,  403,  403,  422),
    "GET /penilaian/kursus/<int:course_id>":         row(L,   403,  403,  200,  403,  403,  403,  200),
    "GET /penilaian/kursus/<int:course_id>/buku-nilai.<fmt>":
                                                     row(L,   403,  403,  200,  403,  403,  403,  200),

    # --- certificates
    "GET /sertifikat":                               row(L,   403,  403,  200,  200,  403,  403,  200),
    "GET /sertifikat/<int:certificate_id>":          row(L,   403,  403,  200,  403,  403,  403,  200),
    "GET /sertifikat/<int:certificate_id>/unduh":    row(L,   200,  403,  200,  403,  403,  403,  200),
    "GET /sertifikat/<int:certificate_id>/versi/<int:version>":
                                                     row(L,   403,  403,  200,  403,  403,  403,  200),
    "POST /sertifikat/<int:certificate_id>/cabut":   row(L,   403,  403,  403,  403,  403,  403,  422),
    "POST /sertifikat/<int:certificate_id>/masa-berlaku":
                                                     row(L,   403,  403,  403,  403,  403,  403,  422,
                                                         data={"expires_on": "bukan tanggal"}),
    "POST /sertifikat/<int:certificate_id>/buat-ulang": row(L, 403, 403,  403,  403,  403,  403,  422),
    "GET /sertifikat/kursus/<int:course_id>":        row(L,   403,  403,  200,  403,  403,  403,  200),
    "GET /sertifikat/kursus/<int:course_id>/aturan": row(L,   403,  403,  200,  403,  403,  403,  200),
    "POST /sertifikat/kursus/<int:course_id>/aturan": row(L,  403,  403,  422,  403,  403,  403,  422,
                                                         data={"min_posttest_score": "200"}),
    "GET /sertifikat/kursus/<int:course_id>/terbitkan/<int:enrollment_id>":
                                                     row(L,   403,  403,  200,  403,  403,  403,  200),
    # the owner has a live certificate already: the allowed actors get 409, not a second one
    "POST /sertifikat/kursus/<int:course_id>/terbitkan/<int:enrollment_id>":
                                                     row(L,   403,  403,  409,  403,  403,  403,  409,
                                                         data={"reason": "Matriks akses"}),
    "POST /sertifikat/kursus/<int:course_id>/periksa": row(L, 403,  403,  303,  403,  403,  403,  303),
    "POST /sertifikat/kursus/<int:course_id>/terbitkan-semua":
                                                     row(L,   403,  403,  303,  403,  403,  403,  303),
    "GET /sertifikat/kursus/<int:course_id>/buat-ulang": row(L, 403, 403, 403,  403,  403,  403,  200),
    "POST /sertifikat/kursus/<int:course_id>/buat-ulang": row(L, 403, 403, 403, 403,  403,  403,  422),
    "GET /sertifikat/kursus/<int:course_id>/tidak-memenuhi":
                                                     row(L,   403,  403,  200,  403,  403,  403,  200),
    "POST /sertifikat/kursus/<int:course_id>/tidak-memenuhi":
                                                     row(L,   403,  403,  403,  403,  403,  403,  422),
    "GET /sertifikat/tugas/<int:job_id>":            row(L,   403,  403,  200,  403,  403,  403,  200),
    "POST /sertifikat/kursus/<int:course_id>/zip":   row(L,   403,  403,  303,  403,  403,  403,  303),
    "GET /sertifikat/ekspor/<int:export_id>":        row(L,   403,  403,  200,  403,  403,  403,  200),
    "GET /sertifikat/ekspor/<int:export_id>/unduh":  row(L,   403,  403,  200,  403,  403,  403,  200),
    "GET /admin/sertifikat/templat":                 row(L,   403,  403,  403,  403,  403,  403,  200),
    "POST /admin/sertifikat/templat":                row(L,   403,  403,  403,  403,  403,  403,  422),
    "GET /admin/sertifikat/templat/contoh.pdf":      row(L,   403,  403,  403,  403,  403,  403,  200),

    # --- signing: the training evaluation (the cohort's participants answer; its trainers and admins
    # read the totals, which wait for MIN_RESPONSES answers: the PDF and tables are 409 until then)
    "GET /angkatan/<int:cohort_id>/evaluasi":        row(L,   200,  200,  404,  404,  404,  404,  404),
    "POST /angkatan/<int:cohort_id>/evaluasi":       row(L,   422,  422,  404,  404,  404,  404,  404),
    "GET /angkatan/<int:cohort_id>/evaluasi/hasil":  row(L,   403,  403,  200,  403,  403,  403,  200),
    "GET /angkatan/<int:cohort_id>/evaluasi/hasil.pdf":
                                                     row(L,   403,  403,  409,  403,  403,  403,  409),
    "GET /angkatan/<int:cohort_id>/evaluasi/hasil.<fmt>":
                                                     row(L,   403,  403,  409,  403,  403,  403,  409),

    # --- cohorts (the cohort's trainers and admins), attendance, check-in, import
    "GET /angkatan":                                 row(L,   403,  403,  200,  200,  403,  403,  200),
    "GET /angkatan/baru":                            row(L,   403,  403,  403,  403,  403,  403,  200),
    "POST /angkatan/baru":                           row(L,   403,  403,  403,  403,  403,  403,  422),
    "GET /angkatan/<int:cohort_id>":                 row(L,   403,  403,  200,  403,  403,  403,  200),
    "GET /angkatan/<int:cohort_id>/ubah":            row(L,   403,  403,  403,  403,  403,  403,  200),
    "POST /angkatan/<int:cohort_id>/ubah":           row(L,   403,  403,  403,  403,  403,  403,  422,
                                                         data={"name": ""}),
    "GET /angkatan/<int:cohort_id>/sesi/baru":       row(L,   403,  403,  200,  403,  403,  403,  200),
    "POST /angkatan/<int:cohort_id>/sesi/baru":      row(L,   403,  403,  422,  403,  403,  403,  422),
    "GET /angkatan/<int:cohort_id>/sesi/<int:session_id>":
                                                     row(L,   403,  403,  200,  403,  403,  403,  200),
    "GET /angkatan/<int:cohort_id>/sesi/<int:session_id>/ubah":
                                                     row(L,   403,  403,  200,  403,  403,  403,  200),
    "POST /angkatan/<int:cohort_id>/sesi/<int:session_id>/ubah":
                                                     row(L,   403,  403,  422,  403,  403,  403,  422,
                                                         data={"topic": ""}),
    "POST /angkatan/<int:cohort_id>/sesi/<int:session_id>/hapus":
                                                     row(L,   403,  403,  303,  403,  403,  403,  303,
                                                         values=lambda w: {"session_id": W.fresh_session(w).id}),
    "POST /angkatan/<int:cohort_id>/sesi/<int:session_id>/presensi/<int:enrollment_id>":
                                                     row(L,   403,  403,  303,  403,  403,  403,  303,
                                                         data={"status": "present"}),
    "POST /angkatan/<int:cohort_id>/sesi/<int:session_id>/sisa-tidak-hadir":
                                                     row(L,   403,  403,  303,  403,  403,  403,  303),
    "POST /angkatan/<int:cohort_id>/sesi/<int:session_id>/tutup-presensi":
                                                     row(L,   403,  403,  303,  403,  403,  403,  303,
                                                         values=lambda w: {"session_id": W.fresh_session(w).id}),
    "POST /angkatan/<int:cohort_id>/sesi/<int:session_id>/buka-presensi":
                                                     row(L,   403,  403,  303,  403,  403,  403,  303,
                                                         values=lambda w: {"session_id": W.fresh_session(w).id}),
    "POST /angkatan/<int:cohort_id>/sesi/<int:session_id>/semua-hadir":
                                                     row(L,   403,  403,  303,  403,  403,  403,  303),
    "POST /angkatan/<int:cohort_id>/sesi/<int:session_id>/kode-baru":
                                                     row(L,   403,  403,  303,  403,  403,  403,  303),
    "GET /angkatan/<int:cohort_id>/sesi/<int:session_id>/qr.svg":
                                                     row(L,   403,  403,  200,  403,  403,  403,  200,
                                                         values=lambda w: {"session_id": W.open_session(w).id}),
    "GET /hadir":                                    row(L,   200,  200,  200,  200,  200,  200,  200),
    "POST /hadir":                                   row(L,   422,  422,  422,  422,  422,  422,  422),
    "GET /angkatan/<int:cohort_id>/impor":           row(L,   403,  403,  200,  403,  403,  403,  200),
    "POST /angkatan/<int:cohort_id>/impor":          row(L,   403,  403,  422,  403,  403,  403,  422),
    "GET /angkatan/<int:cohort_id>/impor/contoh.csv": row(L,  403,  403,  200,  403,  403,  403,  200),
    "GET /angkatan/<int:cohort_id>/impor/<int:import_id>":
                                                     row(L,   403,  403,  200,  403,  403,  403,  200),
    "GET /angkatan/<int:cohort_id>/impor/<int:import_id>/ditolak.csv":
                                                     row(L,   403,  403,  200,  403,  403,  403,  200),
    "POST /angkatan/<int:cohort_id>/impor/<int:import_id>/konfirmasi":
                                                     row(L,   403,  403,  303,  403,  403,  403,  303,
                                                         values=lambda w: {"import_id": W.fresh_import(w).id}),
    "POST /angkatan/<int:cohort_id>/impor/<int:import_id>/lembar-sandi.pdf":
                                                     row(L,   403,  403,  200,  403,  403,  403,  200,
                                                         values=lambda w: {"import_id": w.import_done.id}),

    # --- monitoring (/pantau): admins everywhere; observers and trainers in their region scope
    "GET /pantau/":                                  row(L,   403,  403,  302,  302,  302,  302,  200),
    "GET /pantau/ekspor.<any(csv, xlsx):fmt>":       row(L,   403,  403,  403,  403,  403,  403,  200),
    "GET /pantau/wilayah/<code>":                    row(L,   403,  403,  200,  403,  200,  403,  200),
    "GET /pantau/wilayah/<code>/ekspor.<any(csv, xlsx):fmt>":
                                                     row(L,   403,  403,  200,  403,  200,  403,  200),
    "GET /pantau/koperasi/<int:coop_id>":            row(L,   403,  403,  200,  403,  200,  403,  200),
    "GET /pantau/koperasi/<int:coop_id>/ekspor.<any(csv, xlsx):fmt>":
                                                     row(L,   403,  403,  200,  403,  200,  403,  200),
    "GET /pantau/peserta/<int:user_id>":             row(L,   403,  403,  200,  403,  200,  403,  200),
    "GET /pantau/peserta/<int:user_id>/ekspor.<any(csv, xlsx):fmt>":
                                                     row(L,   403,  403,  200,  403,  200,  403,  200),
    "GET /pantau/angkatan/<int:cohort_id>/sesi/<int:session_id>/daftar-hadir.<any(pdf, xlsx, csv):fmt>":
                                                     row(L,   403,  403,  200,  403,  403,  403,  200),
    "GET /pantau/angkatan/<int:cohort_id>/rekap-kehadiran":
                                                     row(L,   403,  403,  200,  403,  403,  403,  200),
    "GET /pantau/angkatan/<int:cohort_id>/rekap-kehadiran.<any(pdf, xlsx, csv):fmt>":
                                                     row(L,   403,  403,  200,  403,  403,  403,  200),
    "GET /pantau/tertinggal":                        row(L,   403,  403,  302,  302,  302,  302,  200),
    "GET /pantau/tertinggal/ekspor.<any(csv, xlsx):fmt>":
                                                     row(L,   403,  403,  403,  403,  403,  403,  200),
    "GET /pantau/wilayah/<code>/tertinggal":         row(L,   403,  403,  200,  403,  200,  403,  200),
    "GET /pantau/wilayah/<code>/tertinggal/ekspor.<any(csv, xlsx):fmt>":
                                                     row(L,   403,  403,  200,  403,  200,  403,  200),

    # --- hall
    "GET /angkatan/<int:cohort_id>/sesi/<int:session_id>/kode":
                                                     row(L,   403,  403,  200,  403,  403,  403,  200),
    # --- plan-core: the business-plan workbook (the owner's plan is sent, so the observer of the region reads it)
    "GET /rencana/tugas/<int:lesson_id>":            row(L,   303,  200,  303,  403,  403,  403,  303,
                                                         values=lambda w: {"lesson_id": w.assignment_lesson.id}),
    "POST /rencana/tugas/<int:lesson_id>/mulai":     row(L,   303,  303,  403,  403,  403,  403,  403,
                                                         values=lambda w: {"lesson_id": w.assignment_lesson.id}),
    "GET /rencana/<int:plan_id>":                    row(L,   200,  404,  200,  404,  200,  404,  200,
                                                         values=lambda w: {"plan_id": w.plan.id}),
    "GET /rencana/<int:plan_id>/langkah/<step>":     row(L,   200,  404,  200,  404,  200,  404,  200,
                                                         values=lambda w: {"plan_id": w.plan.id, "step": "keuangan"}),
    "GET /rencana/<int:plan_id>/keuangan/hitung":    row(L,   200,  404,  200,  404,  200,  404,  200,
                                                         values=lambda w: {"plan_id": w.plan.id}),
    "GET /rencana/<int:plan_id>/rencana-bisnis.<any(pdf, docx):fmt>":
                                                     row(L,   200,  404,  200,  404,  200,  404,  200,
                                                         values=lambda w: {"plan_id": w.plan.id, "fmt": "pdf"}),
    "POST /rencana/<int:plan_id>/simpan":            row(L,   303,  404,  403,  404,  403,  404,  403,
                                                         values=lambda w: {"plan_id": w.plan.id},
                                                         data={"profil.nama_usaha": "Gerai"}),
    "POST /rencana/<int:plan_id>/kirim":             row(L,   409,  404,  403,  404,  403,  404,  403,
                                                         values=lambda w: {"plan_id": w.plan.id}),
    "GET /rencana/<int:plan_id>/penilaian":          row(L,   403,  403,  200,  403,  403,  403,  200,
                                                         values=lambda w: {"plan_id": w.plan.id}),
    "POST /rencana/<int:plan_id>/nilai":             row(L,   403,  403,  422,  403,  403,  403,  422,
                                                         values=lambda w: {"plan_id": w.plan.id}),
    "GET /rencana/kiriman/<int:submission_id>":      row(L,   403,  403,  303,  403,  403,  403,  303),
    # --- offline: who is logged in and the session's form token, for the phone's queue (anyone; no data of others)
    "GET /sinkron/sesi":                             row(200, 200,  200,  200,  200,  200,  200,  200),

    # --- plan-kawal
    # resumable uploads: one's own upload only (another user's id is unknown: 404); starting one needs an
    # assignment the actor may send files for (participants of the course)
    "POST /unggah":                                  row(L,   201,  201,  403,  403,  403,  403,  403,
                                                         data=lambda w: {"purpose": "tugas", "name": "a.pdf",
                                                                         "size": "100",
                                                                         "target": str(w.assignment_lesson.id)}),
    "GET /unggah/<upload_id>":                       row(L,   200,  404,  404,  404,  404,  404,  404),
    "PATCH /unggah/<upload_id>":                     row(L,   409,  404,  404,  404,  404,  404,  404),
    # Kawal sama-sama: the cooperative's pengurus report; observers, trainers, admins of its region follow
    "GET /kawal":                                    row(L,   200,  200,  302,  302,  302,  302,  302),
    "POST /kawal/lapor":                             row(L,   422,  404,  404,  404,  404,  404,  404),
    # another region's admin and trainer follow the cooperatives of their own region only
    "GET /kawal/foto/<int:action_id>":               row(L,   200,  404,  200,  404,  200,  404,  200,
                                                         admin_other=404, trainer_far=404),
    "GET /kawal/rencana/<int:kawal_id>":             row(L,   200,  404,  200,  403,  200,  403,  200,
                                                         admin_other=403, trainer_far=403),
    "POST /kawal/rencana/<int:kawal_id>/catatan":    row(L,   403,  403,  422,  403,  422,  403,  422,
                                                         admin_other=403, trainer_far=403),
    "GET /kawal/wilayah":                            row(L,   403,  403,  200,  200,  200,  200,  200),
    "GET /kawal/wilayah/rencana.<any(csv, xlsx):fmt>":
                                                     row(L,   403,  403,  200,  200,  200,  200,  200),
    "GET /kawal/wilayah/laporan.<any(csv, xlsx):fmt>":
                                                     row(L,   403,  403,  200,  200,  200,  200,  200),
    # the workbook's photos: those who may see the workbook (a draft: not yet its region's observers);
    # adding and removing: its participant while it is open for changes
    "GET /rencana/<int:plan_id>/foto":               row(L,   200,  404,  200,  404,  404,  404,  200,
                                                         values=lambda w: {"plan_id": w.photo_plan.id}),
    "POST /rencana/<int:plan_id>/foto":              row(L,   422,  404,  403,  404,  404,  404,  403,
                                                         values=lambda w: {"plan_id": w.photo_plan.id}),
    "GET /rencana/<int:plan_id>/foto/<int:photo_id>":
                                                     row(L,   200,  404,  200,  404,  404,  404,  200,
                                                         values=lambda w: {"plan_id": w.photo_plan.id,
                                                                           "photo_id": w.plan_photo.id}),
    "POST /rencana/<int:plan_id>/foto/<int:photo_id>/hapus":
                                                     row(L,   303,  404,  403,  404,  404,  404,  403,
                                                         values=lambda w: {"plan_id": w.photo_plan.id,
                                                                           "photo_id": W.fresh_plan_photo(w).id}),
}

# --- region: cells of the region-scoped actors that the rule above does not give (and any other Case
# field the new actors need). National views are for national admins; a region admin goes to their region.
REGION_OVERRIDES: dict[str, dict] = {
    "POST /admin/pengguna/<int:user_id>/reset-sandi": dict(admin_region=403),  # a national account
    "GET /pantau/": dict(admin_region=302, admin_other=302),
    "GET /pantau/ekspor.<any(csv, xlsx):fmt>": dict(admin_region=403, admin_other=403),
    "GET /pantau/tertinggal": dict(admin_region=302, admin_other=302),
    "GET /pantau/tertinggal/ekspor.<any(csv, xlsx):fmt>": dict(admin_region=403, admin_other=403),
}

_complete(TABLE, REGION_OVERRIDES)

SKIP_ENDPOINTS = {"static"}
CHECKED_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
