"""Applications for certification: evidence, the workflow, and (later) decisions."""
