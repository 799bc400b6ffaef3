"""Signals between features, so that a lower layer never imports a higher one.

Learning sends `progress_changed` when a participant completes a lesson or submits a quiz; grading
sends `submission_graded`. Certificates listens to both and
issues a certificate when the course's completion rules hold. Receivers run inside the sender's
transaction (they flush; the route commits).
"""
from blinker import Namespace

_signals = Namespace()

# sender: the Enrollment whose progress may have changed
progress_changed = _signals.signal("progress-changed")
# sender: the Enrollment whose assignment submission was graded; kwargs: submission, grade
submission_graded = _signals.signal("submission-graded")
