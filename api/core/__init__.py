"""Cross-cutting parts: settings, database, auth, errors, pagination, localisation."""
