"""The command line: every command registered in one place, thin over the services."""

from __future__ import annotations

from sqlalchemy import func, select

import scheduler
from sla_contracts import commands
from sla_contracts.auth.service import authenticate
from sla_contracts.extensions import db
from sla_contracts.jobs import JOBS
from sla_contracts.models import Role, User

CONTRACT = {"init-db", "seed-demo", "create-user", "run-jobs", "verify-audit", "export", "import"}


def _people() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_the_commands_of_the_contract_are_all_registered_by_the_commands_module(app):
    names = {command.name for command in commands.COMMANDS}
    assert CONTRACT <= names
    assert names <= set(app.cli.commands)
    # No blueprint brings commands of its own.
    assert all(not blueprint.cli.commands for blueprint in app.blueprints.values())


def test_run_jobs_runs_every_job_of_the_scheduler_once_in_order(runner):
    result = runner.invoke(args=["run-jobs", "--now", "2027-02-14T08:00:00"])
    assert result.exit_code == 0, result.output
    ran = [line.split(":")[0] for line in result.output.splitlines()]
    assert ran == [job.id for job in JOBS] == [job.id for job in scheduler.JOBS]
    # Each line says what the job did in words, not a raw Python value.
    assert result.output.splitlines() == [
        "mark_overdue: 0 reviews and 0 action items newly overdue",
        "expire_charters: 0 charters expired",
        "plan_reminders: 0 reminders planned",
        "end_snoozes: 0 snoozed reminders back, 0 reminders escalated",
        "plan_expiry_reminders: 0 end-of-term reminders planned",
        "store_silo_index: 1 silo index row stored",
        "send_coalesced: 0 coalesced e-mails queued",
        "send_digests: 0 digests queued",
        "send_weekly_digests: 0 weekly digests queued",
        "send_monthly_report: 0 report readers told",
        "deliver_outbox: 0 e-mails sent",
    ]


def test_create_user_makes_a_head_who_can_sign_in(runner, make_department):
    logistics = make_department("Logistique", "LOG")
    result = runner.invoke(
        args=["create-user", "--email", " Alice@Example.com ", "--name", "Alice",
              "--password", "x", "--department", "log", "--role", "head"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Created alice@example.com (head of LOG)." in result.output
    alice = authenticate("alice@example.com", "x")
    assert alice is not None and not alice.is_admin
    assert [(m.department_id, m.role) for m in alice.memberships] == [(logistics.id, Role.HEAD)]


def test_create_user_asks_for_the_password_when_not_given(runner):
    result = runner.invoke(
        args=["create-user", "--email", "root@example.com", "--name", "Root", "--admin"],
        input="s3cret\ns3cret\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created root@example.com (admin)." in result.output
    assert authenticate("root@example.com", "s3cret").is_admin


def test_create_user_refuses_a_taken_e_mail_and_writes_nothing(runner, make_user):
    make_user("taken@example.com")
    before = _people()
    result = runner.invoke(
        args=["create-user", "--email", "TAKEN@example.com", "--name", "T", "--password", "x"]
    )
    assert result.exit_code == 1
    assert "Error: Someone already has this e-mail address." in result.output
    assert _people() == before


def test_create_user_refuses_an_unknown_department_and_writes_nothing(runner):
    result = runner.invoke(
        args=["create-user", "--email", "b@example.com", "--name", "B", "--password", "x",
              "--department", "NOPE"]
    )  # fmt: skip
    assert result.exit_code == 1
    assert "Error: No department with code NOPE." in result.output
    assert _people() == 0
