"""Booking rules, per city, from settings (each with a default so a city sets only what differs).

MADOGUCHI_BOOKING_MAX_DAYS_AHEAD   residents book up to this many days ahead (31)
MADOGUCHI_BOOKING_MIN_DAYS_AHEAD   … and at least this many days ahead (1: until the day before)
MADOGUCHI_BOOKING_CHANGE_DAYS      residents change or cancel up to this many days before (1)
MADOGUCHI_BOOKING_HOLD_MINUTES     a slot a resident picked is held this long while the form is filled (10)
MADOGUCHI_BOOKING_MAX_PARTY        most cards (people) in one reservation (6)
MADOGUCHI_PUBLIC_SIGNIN_FAILURES   free wrong sign-ins per address (24 h) and per notice number (see throttle.py) (5)
MADOGUCHI_PUBLIC_BASE_URL          absolute base of links in emails sent by commands (reminders)
MADOGUCHI_CITY_NAME, MADOGUCHI_PUBLIC_LOGO_URL, MADOGUCHI_PUBLIC_NOTICE, MADOGUCHI_PUBLIC_CONTACT,
MADOGUCHI_PUBLIC_PRIVACY_URL   the resident pages' header, お知らせ, contact and privacy link (public_site())
Staff (phone, counter) may book any future slot up to the same far limit, including today.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Rules:
    max_days_ahead: int
    min_days_ahead: int
    change_days: int
    hold_minutes: int
    max_party: int
    signin_failures: int
    public_base_url: str


def rules() -> Rules:
    def get(name: str, default: int) -> int:
        return int(getattr(settings, name, default))

    return Rules(
        max_days_ahead=get("MADOGUCHI_BOOKING_MAX_DAYS_AHEAD", 31),
        min_days_ahead=get("MADOGUCHI_BOOKING_MIN_DAYS_AHEAD", 1),
        change_days=get("MADOGUCHI_BOOKING_CHANGE_DAYS", 1),
        hold_minutes=get("MADOGUCHI_BOOKING_HOLD_MINUTES", 10),
        max_party=get("MADOGUCHI_BOOKING_MAX_PARTY", 6),
        signin_failures=get("MADOGUCHI_PUBLIC_SIGNIN_FAILURES", 5),
        public_base_url=str(getattr(settings, "MADOGUCHI_PUBLIC_BASE_URL", "http://127.0.0.1:8000")).rstrip(
            "/"
        ),
    )


@dataclass(frozen=True)
class PublicSite:
    city_name: str
    logo_url: str
    notice: str
    contact: str
    privacy_url: str


def public_site() -> PublicSite:
    """What the resident pages show of the city (settings; a city sets what it has)."""

    def text(name: str, default: str = "") -> str:
        return str(getattr(settings, name, "") or default)

    return PublicSite(
        city_name=text("MADOGUCHI_CITY_NAME", "市役所"),
        logo_url=text("MADOGUCHI_PUBLIC_LOGO_URL"),
        notice=text("MADOGUCHI_PUBLIC_NOTICE"),
        contact=text("MADOGUCHI_PUBLIC_CONTACT"),
        privacy_url=text("MADOGUCHI_PUBLIC_PRIVACY_URL"),
    )
