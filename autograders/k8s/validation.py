"""What the Kubernetes API server accepts as names and quantities, checked before a manifest is written.

Kubernetes rejects a bad name or quantity only when the manifest is applied, with a message
about the API object; checking here turns it into a usage error naming the option.
"""

from __future__ import annotations

import re
from decimal import Decimal

from ..errors import UsageError

# RFC 1123 label, as Kubernetes validates object names such as Jobs and PVCs (IsDNS1123Label)
_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS1123_SUBDOMAIN_MAX = 253
_LABEL_MAX = 63

# k8s.io/apimachinery/pkg/api/resource: <sign><digits>[.<digits>]<suffix>, suffix one of the binary SI
# (Ki..Ei), the decimal SI (m, k, M, G, T, P, E) or a decimal exponent (e3, E-2)
_QUANTITY = re.compile(r"(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+))"
                       r"(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?\d+)?")
_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"m": Decimal("0.001"), "": Decimal(1), "k": Decimal(10**3), "M": Decimal(10**6), "G": Decimal(10**9),
            "T": Decimal(10**12), "P": Decimal(10**15), "E": Decimal(10**18)}


class InvalidValue(UsageError):
    """A name or quantity that Kubernetes would refuse; the message says which rule it breaks."""


def dns1123_label(name: str, what: str = "name") -> str:
    if len(name) > _LABEL_MAX:
        raise InvalidValue(f"{what} '{name}' is {len(name)} characters long; Kubernetes allows at most {_LABEL_MAX}")
    if not _DNS1123_LABEL.fullmatch(name):
        raise InvalidValue(f"{what} '{name}' is not a DNS-1123 label: lower-case letters, digits and '-', "
                           "starting and ending with a letter or digit")
    return name


def dns1123_subdomain(name: str, what: str = "name") -> str:
    """Dot-separated DNS-1123 labels, at most 253 characters (Services, Secrets, ConfigMaps)."""
    if len(name) > _DNS1123_SUBDOMAIN_MAX:
        raise InvalidValue(f"{what} '{name}' is longer than {_DNS1123_SUBDOMAIN_MAX} characters")
    for part in name.split("."):
        dns1123_label(part, what)
    return name


def quantity(text) -> Decimal:
    """The value of a Kubernetes quantity ("500m", "16Gi", "1.5", 2) as a number."""
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise InvalidValue(f"{text!r} is not a Kubernetes quantity (a number or a string like 500m or 16Gi)")
    match = _QUANTITY.fullmatch(str(text))
    if not match:
        raise InvalidValue(f"'{text}' is not a Kubernetes quantity (a number with an optional suffix: "
                           "m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei, or an exponent like e3)")
    number, suffix = Decimal(match["number"]), match["suffix"] or ""
    if suffix in _BINARY:
        return number * _BINARY[suffix]
    if suffix in _DECIMAL:
        return number * _DECIMAL[suffix]
    return number * Decimal(10) ** int(suffix[1:])


def resource_quantity(text, what: str) -> Decimal:
    """A quantity a container may request: positive."""
    value = quantity(text)
    if value <= 0:
        raise InvalidValue(f"{what} must be more than 0, got '{text}'")
    return value
