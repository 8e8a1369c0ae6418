from tests.projects.conftest import world  # noqa: F401  (the same world of people and places)
