"""Pages that belong to no single feature: the home page, health check, language switch."""
