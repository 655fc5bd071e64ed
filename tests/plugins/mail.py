"""A real SMTP server (aiosmtpd) on 127.0.0.1 and a free port, that keeps what it receives.

    def test_…(smtp): ...           # smtp.port, smtp.inbox.messages, smtp.stop(), smtp.start()

A module points the app at it by overriding ``app_config``:
``{"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port}``.
"""

from __future__ import annotations

import email
import email.policy
import errno
import socket

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpInbox:
    """An aiosmtpd handler that keeps what it receives, or refuses recipients on demand."""

    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.refuse = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


class SmtpServer:
    """Started on a free port; ``stop()`` then ``start()`` serves again on the same port."""

    def __init__(self):
        self.port = free_port()
        self.inbox = SmtpInbox()
        self.controller: Controller | None = None
        self._started_once = False

    def start(self):
        for _attempt in range(5):
            controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
            try:
                controller.start()
            except OSError as error:
                # Another process (an xdist worker) took the port between free_port() and
                # here: pick another one, unless the app already knows this one.
                if error.errno != errno.EADDRINUSE or self._started_once:
                    raise
                self.port = free_port()
                continue
            self.controller = controller
            self._started_once = True
            return
        raise OSError(errno.EADDRINUSE, "no free port for the test SMTP server")

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()
