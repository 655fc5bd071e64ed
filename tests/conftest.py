"""Fixtures live in tests/plugins/, one module per theme; this file only loads them.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL points at it
(`.ci/run` does both), in parallel under pytest-xdist with one database per worker.
REQUIRE_PG=1 / REQUIRE_BROWSER=1 turn "skipped because absent" into failures, so CI cannot pass
by skipping.
"""

pytest_plugins = [
    "tests.plugins.app_db",  # database_url, app, client, runner, postgres_only
    "tests.plugins.people",  # make_department/user/criterion, org, browser, login_as, api_as
    "tests.plugins.charters",  # make_charter, make_commitment, signed
    "tests.plugins.reviews",  # active, planned_review, started_review
    "tests.plugins.mail",  # smtp: a real SMTP server on a free port
    "tests.plugins.browser",  # live_server, chromium_browser, output_dir
    "tests.plugins.demo",  # demo: the seeded demo organisation, a review in progress
]
