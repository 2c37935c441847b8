"""Pure helpers: no resources, no cloud calls."""
