"""The auditor's work: assignment with impartiality and rotation, scoring, findings."""
