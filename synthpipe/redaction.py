"""Secrets scrubbed from error messages by value.

The spec remembers here every password it substitutes from the environment into a URL
(``postgresql://app:${PGPASSWORD}@db/app``); error translation scrubs each of them, as typed and as a
URL carries it, besides the password a URL parser finds.

Why by value: a parser finds only what it parses as the password. A password ``abc@TopSecretTail``
substituted raw cut the URL at its ``@``: the parser took ``abc`` for the password and the driver
echoed ``TopSecretTail@127.0.0.1`` as a host name it could not resolve.
"""

from __future__ import annotations

from urllib.parse import quote, quote_plus

MIN_SECRET_LENGTH = 4
"""Shorter values are not remembered: scrubbing ``ab`` from every message would mangle them all."""

_secrets: set[str] = set()


def remember_secret(value: str) -> None:
    """Scrub ``value`` from every message :func:`scrub` cleans from now on, in this process."""
    if len(value) >= MIN_SECRET_LENGTH:
        _secrets.add(value)


def scrub(text: str, *secrets: str) -> str:
    """``text`` with ``secrets`` and every remembered secret replaced by ``***``, in each written form."""
    forms = {form for secret in (*secrets, *_secrets) for form in written_forms(secret)}
    for form in sorted(forms, key=len, reverse=True):  # longest first: a form may contain another
        text = text.replace(form, "***")
    return text


def written_forms(secret: str) -> list[str]:
    """The secret as typed and as a URL carries it (a driver may echo either)."""
    if not secret:
        return []
    return sorted({secret, quote(secret, safe=""), quote_plus(secret)}, key=len, reverse=True)
