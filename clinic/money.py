"""Prices are Decimals in the clinic's currency (the CLINIC_CURRENCY setting, an ISO 4217 code)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings

SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "IEP": "£"}


def format_money(amount, currency: str | None = None) -> str:
    """A price as en-GB writes it: "£45" for whole pounds, "£45.50" otherwise, "£1,250" above a
    thousand; a currency without a symbol here is written after the number ("45 CHF")."""
    currency = (currency or settings.CLINIC_CURRENCY).upper()
    try:
        value = Decimal(amount).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        return ""
    number = f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"
    symbol = SYMBOLS.get(currency)
    if symbol is None:
        return f"{number} {currency}"
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{number.lstrip('-')}"
