"""The e-mail port: invitations and password resets leave through it.

Locally messages are written as .eml files under .aura/mail (the log line names recipient and
subject only: the body holds a one-time link, which is a secret). In Azure an SMTP relay is used.
"""

from __future__ import annotations

import functools
import logging
import smtplib
import ssl
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from shared.settings import Settings, get_settings, secret

log = logging.getLogger(__name__)


class EmailSender(Protocol):
    def send(self, *, to: str, subject: str, body: str) -> None: ...


def _message(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message.set_content(body)
    return message


class FolderEmailSender:
    """Development mailbox: each message becomes a file a developer (or a test) can open."""

    def __init__(self, folder: Path, sender: str) -> None:
        self.folder, self.sender = folder, sender

    def send(self, *, to: str, subject: str, body: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{uuid.uuid4()}.eml"
        path.write_bytes(bytes(_message(self.sender, to, subject, body)))
        log.info("e-mail to %s written to the local mailbox: %s", to, subject)


class SmtpEmailSender:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, *, to: str, subject: str, body: str) -> None:
        s = self.settings
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=15) as smtp:
            smtp.starttls(context=ssl.create_default_context())
            if s.smtp_username:
                smtp.login(s.smtp_username, secret("smtp_password", s))
            smtp.send_message(_message(s.email_from, to, subject, body))
        log.info("e-mail sent to %s: %s", to, subject)


def build_email_sender(settings: Settings) -> EmailSender:
    if settings.email_backend == "smtp":
        return SmtpEmailSender(settings)
    return FolderEmailSender(Path(settings.local_mail_dir), settings.email_from)


@functools.cache
def get_email_sender() -> EmailSender:
    return build_email_sender(get_settings())
