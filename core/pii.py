"""PIX keys are personal data (LGPD): how they are masked for logs and printed objects, and
scrubbed from text that comes from elsewhere (a Bridge error message).

>>> mask_key("12345678909"), mask_key("joao@example.com.br")
('***.456.789-**', 'j***@e***.br')
>>> scrub("entry_key 12345678909 is held by claim 3f0c...; ask joao@example.com")
'entry_key ***.456.789-** is held by claim 3f0c...; ask j***@e***.com'
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def mask_key(key: object) -> str:
    """A PIX key safe for logs: enough to tell keys apart, not enough to identify a person.

    An e-mail keeps the first letter of its name and domain and the last domain label only: a
    personal domain (``@silva-family.net``) would identify its owner.
    Never raises: an unrecognised value is masked whole.
    """
    if not isinstance(key, str):
        return "***"
    if len(key) == 11 and key.isascii() and key.isdigit():
        return f"***.{key[3:6]}.{key[6:9]}-**"
    if len(key) == 14 and key.isascii() and key.isdigit():
        return f"**.{key[2:5]}.{key[5:8]}/****-**"
    if key.startswith("+55") and key[1:].isascii() and key[1:].isdigit() and len(key) > 7:
        return "+55" + "*" * (len(key) - 7) + key[-4:]
    local, at, domain = key.rpartition("@")
    if at and local and domain:
        name, dot, tld = domain.rpartition(".")
        return f"{local[0]}***@{name[0]}***.{tld}" if dot and name else f"{local[0]}***@***"
    if _UUID.fullmatch(key):
        return f"{key[:8]}-****"
    return "***"


# Key-shaped strings in free text: CPF/CNPJ as digits or punctuated, a +55 phone, an e-mail, a
# UUID (an EVP key looks like a claim id; the caller names the ids that may stay).
_KEY_SHAPES = re.compile(
    r"(?<![\w.@+-])(?:"
    r"\d{3}\.\d{3}\.\d{3}-\d{2}"
    r"|\d{2}\.\d{3}\.\d{3}/\d{4}-\d{2}"
    r"|\+55\d{10,11}"
    r"|\d{14}|\d{11}"
    r"|[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+"
    r"|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r")(?![\w@-])",
    re.IGNORECASE,
)


def scrub(text: str, keep: Iterable[str] = ()) -> str:
    """``text`` with every key-shaped string masked, except the values in ``keep`` (the call's
    own claim id, which is no personal data).

    >>> scrub("claim 3f2b0c1e-0000-4000-8000-000000000001: key +5561988880000 taken",
    ...       keep=["3f2b0c1e-0000-4000-8000-000000000001"])
    'claim 3f2b0c1e-0000-4000-8000-000000000001: key +55*******0000 taken'
    """
    kept = set(keep)

    def mask(match: re.Match[str]) -> str:
        found = match.group(0)
        if found in kept:
            return found
        if "." in found and "@" not in found:  # punctuated CPF/CNPJ
            return "***"
        return mask_key(found)

    return _KEY_SHAPES.sub(mask, text)
