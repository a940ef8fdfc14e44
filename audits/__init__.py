"""The audit domain: criteria schemes, assessments and scoring.

`scheme`, `scoring`, `sampling` and `workflow` are pure Python (standard library only) so the
rules can be tested exhaustively without Flask or a database; `models`, `services` and the
views build the auditor's workspace on top of them.
"""
