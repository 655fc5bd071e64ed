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
    "tests.plugins.oidc",  # oidc, oidc_running: a real OpenID Connect provider (Node.js)
    "tests.plugins.demo",  # demo: the seeded demo organisation, a review in progress
]


def pytest_terminal_summary(terminalreporter):
    """Print what the conformance run did (tests/test_api_conformance.py), also under xdist."""
    lines = [
        value
        for report in terminalreporter.stats.get("passed", [])
        + terminalreporter.stats.get("failed", [])
        for name, value in getattr(report, "user_properties", ())
        if name == "schemathesis" and report.when == "call"
    ]
    if lines:
        terminalreporter.write_sep("-", "schemathesis against /api/v1/openapi.json")
        for line in sorted(lines):
            terminalreporter.write_line(line)
