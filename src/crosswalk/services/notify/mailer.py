"""Talking to the SMTP server (the standard library's smtplib): one connection per run,
opened at the first message, so a day with nothing to send never connects.

Every failure is said in words naming the setting to look at; a refusal of one message
(its recipient, its content) fails that message only.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from types import TracebackType

from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.notify.settings import (
    HOST,
    PASSWORD,
    PORT,
    SENDER,
    STARTTLS,
    USER,
    MailSettings,
)


class MailDeliveryError(CrosswalkError):
    """The SMTP server cannot be reached or used as configured; names the setting."""


class MessageRefused(CrosswalkError):
    """The server refused one message (its recipient or content); the others still go."""


def _said(error: smtplib.SMTPResponseException) -> str:
    text = error.smtp_error
    said = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{error.smtp_code} {said}".strip()


class Mailer:
    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        except (OSError, smtplib.SMTPException) as error:
            raise MailDeliveryError(
                f"cannot reach the SMTP server at {self.where} (check {HOST} and {PORT}): {error}"
            ) from error
        try:
            if s.starttls:
                self._starttls(smtp)
            if s.user is not None and s.password is not None:
                self._login(smtp, s.user, s.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _starttls(self, smtp: smtplib.SMTP) -> None:
        try:
            smtp.starttls(context=ssl.create_default_context())
        except smtplib.SMTPNotSupportedError as error:
            raise MailDeliveryError(
                f"the SMTP server at {self.where} does not offer STARTTLS: use its submission "
                f"port (587), or set {STARTTLS}=0 for a relay on a network you trust"
            ) from error
        except (ssl.SSLError, OSError, smtplib.SMTPException) as error:
            raise MailDeliveryError(
                f"STARTTLS with the SMTP server at {self.where} failed ({STARTTLS}): {error}"
            ) from error

    def _login(self, smtp: smtplib.SMTP, user: str, password: str) -> None:
        try:
            smtp.login(user, password)
        except smtplib.SMTPAuthenticationError as error:
            raise MailDeliveryError(
                f"the SMTP server at {self.where} refused the sign-in of {user!r} "
                f"(check {USER} and {PASSWORD}): {_said(error)}"
            ) from error
        except smtplib.SMTPNotSupportedError as error:
            raise MailDeliveryError(
                f"the SMTP server at {self.where} offers no sign-in (AUTH) on this connection: "
                f"unset {USER} and {PASSWORD}, or turn on {STARTTLS}"
            ) from error
        except (OSError, smtplib.SMTPException) as error:
            raise MailDeliveryError(
                f"signing in to the SMTP server at {self.where} failed ({USER}): {error}"
            ) from error

    def send(self, message: EmailMessage) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(message)
        except smtplib.SMTPSenderRefused as error:
            if error.smtp_code == 530:  # RFC 3207 / 4954: say which step is missing
                raise MailDeliveryError(self._first(error)) from error
            raise MailDeliveryError(
                f"the SMTP server at {self.where} refused the sender "
                f"{self.settings.sender!r} (check {SENDER}): {_said(error)}"
            ) from error
        except smtplib.SMTPRecipientsRefused as error:
            reasons = "; ".join(
                f"{who}: {code} {said.decode('utf-8', 'replace')}"
                for who, (code, said) in error.recipients.items()
            )
            raise MessageRefused(f"the SMTP server refused the recipient ({reasons})") from error
        except smtplib.SMTPDataError as error:
            raise MessageRefused(f"the SMTP server refused the message: {_said(error)}") from error
        except (OSError, smtplib.SMTPException) as error:
            self._drop()
            raise MailDeliveryError(
                f"the connection to the SMTP server at {self.where} failed ({HOST}): {error}"
            ) from error

    def _first(self, error: smtplib.SMTPResponseException) -> str:
        said = _said(error)
        if "tls" in said.lower():
            return f"the SMTP server at {self.where} requires STARTTLS: set {STARTTLS}=1 ({said})"
        return (
            f"the SMTP server at {self.where} requires a sign-in: set {USER} and {PASSWORD} "
            f"({said})"
        )

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    def close(self) -> None:
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass  # every message was handed over already; a failed goodbye loses nothing
        finally:
            self._drop()
