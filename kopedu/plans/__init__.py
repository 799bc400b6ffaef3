"""The business-plan workbook (an assignment of `kind: business_plan`): ten short steps on a phone, the
money computed by kopedu.plans.finance, field-by-field saves that may wait offline, "Kirim ke pelatih"
through kopedu.grading (every version kept, with a snapshot of the workbook), the trainer's review with
notes per step, and the plan as PDF and DOCX.

Layering: plans sits above grading and below certificates (certificates → plans → grading).
Public names other features use: models.BusinessPlan, models.BusinessPlanSnapshot, models.STATUSES
(draft/submitted/returned/passed/failed), models.finance_result(plan), models.action_rows(plan),
services.plan_by_id(id), services.can_view(user, plan), steps.STEPS / steps.STEP_KEYS.
"""
from flask import Blueprint

bp = Blueprint("plans", __name__)

from kopedu.plans import routes  # noqa: E402,F401
