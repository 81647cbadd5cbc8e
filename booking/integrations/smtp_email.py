"""Email over SMTP (smtplib): one message per connection, its Message-ID (`<message_id@domain>`) recorded as
the provider id (SendGrid reports it back as `smtp-id`).

No connection, a dropped connection or a 4xx reply is retried; a 5xx reply (the mailbox does not exist, the
relay refuses) is permanent.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from booking.domain.messaging import Accepted, SendError
from booking.settings import SmtpEmail


def message_id_header(message_id: str, cfg: SmtpEmail) -> str:
    return f"<{message_id}@{cfg.message_id_domain}>"


def send_email(
    cfg: SmtpEmail, *, to: str, subject: str, text: str, message_id: str, timeout: float
) -> Accepted:
    mail = EmailMessage()
    mail["From"] = cfg.from_address
    mail["To"] = to
    mail["Subject"] = subject
    mail["Message-ID"] = message_id_header(message_id, cfg)
    mail.set_content(text)
    try:
        with smtplib.SMTP(cfg.host, cfg.port, timeout=timeout) as smtp:
            if cfg.starttls:
                smtp.starttls()
            if cfg.username and cfg.password:
                smtp.login(cfg.username, cfg.password.get_secret_value())
            smtp.send_message(mail)
    except smtplib.SMTPRecipientsRefused as exc:
        code = next(iter(exc.recipients.values()))[0]
        raise SendError(
            f"SMTP {code}", "the relay refused the recipient", retryable=400 <= code < 500, status_code=code
        ) from None
    except smtplib.SMTPResponseException as exc:
        raise SendError(
            f"SMTP {exc.smtp_code}",
            "the relay refused the message",
            retryable=400 <= exc.smtp_code < 500,
            status_code=exc.smtp_code,
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise SendError(type(exc).__name__, "no answer from the SMTP relay", retryable=True) from None
    return Accepted(mail["Message-ID"])
