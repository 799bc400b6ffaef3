"""`flask kopedu seed-scale` at a tiny size (the national size is for the benchmark, not the tests)."""
from sqlalchemy import func, select, text

from kopedu.demo import BUNDLED_REGIONS
from kopedu.extensions import db
from kopedu.learning.models import Enrollment, LessonProgress
from kopedu.regions.models import Cooperative
from kopedu.reports.models import MonitorEnrollment


def test_seed_scale_small(app):
    runner = app.test_cli_runner()
    args = ["kopedu", "seed-scale", "--dir", str(BUNDLED_REGIONS), "--participants", "6", "--progress-rows", "120",
            "--yes"]
    result = runner.invoke(args=args)
    if db.engine.dialect.name != "postgresql":
        assert result.exit_code != 0 and "needs PostgreSQL" in result.output
        return
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Cooperative)) == 3202  # one per NTT village
    assert db.session.scalar(select(func.count()).select_from(LessonProgress)) == 120
    assert db.session.scalar(select(func.count()).select_from(MonitorEnrollment)) == 6
    mismatched = db.session.scalar(text("""
        SELECT count(*) FROM enrollment e
        LEFT JOIN (SELECT user_id, count(*) AS n FROM lesson_progress GROUP BY user_id) p ON p.user_id = e.user_id
        WHERE e.progress_pct <> 100 * coalesce(p.n, 0) / 40
           OR (e.completed_at IS NOT NULL) <> (coalesce(p.n, 0) = 40)"""))
    assert mismatched == 0
    assert db.session.scalar(select(func.count()).select_from(Enrollment)) == 6
    again = runner.invoke(args=args)
    assert again.exit_code != 0 and "already loaded" in again.output
