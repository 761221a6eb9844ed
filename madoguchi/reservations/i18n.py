"""The resident pages' languages: helpers around Django's gettext (catalogues in madoguchi/locale).

Staff screens stay Japanese (accounts.LanguageMiddleware activates `ja` for them), so everything here only changes
what a resident sees. Message ids are English; every language in settings.LANGUAGES has a catalogue, Japanese
included (`ja` and やさしい日本語 `ja-x-easy`). The built-in appointment types' Japanese names, descriptions and
持ち物 are message ids too: a city that keeps them gets them translated; a type a city adds or edits is shown as
the city wrote it.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from madoguchi.lib.jdates import format_date

# The built-in types' Japanese words, so that makemessages puts them into the catalogues.
_BUILTIN_WORDS = [
    gettext_noop("マイナンバーカードの受け取り"),
    gettext_noop("交付通知書（はがき）が届いた方。ご家族まとめて予約できます。"),
    gettext_noop("交付通知書（はがき）"),
    gettext_noop("本人確認書類（運転免許証、パスポートなど）"),
    gettext_noop("通知カード・住民基本台帳カード（お持ちの方）"),
    gettext_noop("現在お持ちのマイナンバーカード（更新の方）"),
    gettext_noop("マイナンバーカードの申請（窓口で申請）"),
    gettext_noop("窓口で写真撮影と申請をします（申請時来庁方式）。"),
    gettext_noop("個人番号カード交付申請書（お持ちの方）"),
    gettext_noop("電子証明書の更新・再発行"),
    gettext_noop("有効期限通知書が届いた方、または電子証明書の再発行が必要な方。"),
    gettext_noop("マイナンバーカード"),
    gettext_noop("有効期限通知書（届いた方）"),
    gettext_noop("暗証番号（署名用：英数字6〜16桁、利用者証明用：数字4桁）"),
    gettext_noop("暗証番号の再設定"),
    gettext_noop("暗証番号を忘れた、またはロックがかかった方。"),
    gettext_noop("マイナンバーカード以外の本人確認書類（運転免許証など）"),
    gettext_noop("券面事項の変更（住所・氏名など）"),
    gettext_noop("転居・婚姻などでカードの記載を変更する方。"),
    gettext_noop("暗証番号（住民基本台帳用：数字4桁）"),
]
_BUILTIN = set(_BUILTIN_WORDS)


def current() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


def is_japanese() -> bool:
    return current().startswith("ja")


def supported(code: str | None) -> bool:
    return bool(code) and code in dict(settings.LANGUAGES)


def builtin(text: str) -> str:
    """A built-in type's Japanese word in the visitor's language (a city's own words stay as written)."""
    return _(text) if text in _BUILTIN else text


def date_label(day: datetime.date | None) -> str:
    """2026年12月1日(火) in Japanese; the language's own long date and weekday otherwise (Dec. 1, 2026 (Tue))."""
    if day is None:
        return ""
    if is_japanese():
        return format_date(day)
    return f"{formats.date_format(day, 'DATE_FORMAT')} ({formats.date_format(day, 'D')})"


def short_date_label(day: datetime.date) -> str:
    if is_japanese():
        return f"{day.month}/{day.day}({format_date(day)[-2]})"
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def month_label(year: int, month: int) -> str:
    if is_japanese():
        return f"{year}年{month}月"
    return formats.date_format(datetime.date(year, month, 1), "YEAR_MONTH_FORMAT")


def weekday_headers() -> list[tuple[str, str]]:
    """(short, full) weekday names Monday first, in the visitor's language."""
    monday = datetime.date(2026, 11, 30)
    days = [monday + datetime.timedelta(days=i) for i in range(7)]
    if is_japanese():
        return [(format_date(d)[-2], format_date(d)[-2] + "曜日") for d in days]
    return [(formats.date_format(d, "D"), formats.date_format(d, "l")) for d in days]


def time_label(t: datetime.time) -> str:
    return f"{t.hour}:{t.minute:02d}"


def booking_error(exc: ValidationError) -> str:
    """A refusal of the booking engine in the visitor's language (the engine's own words are Japanese, for staff;
    each refusal a resident can meet has a code and its values)."""
    code = getattr(exc, "code", None)
    params = getattr(exc, "params", None) or {}
    day = date_label(params.get("date"))
    messages = {
        "full": lambda: _("This time is full. Please choose another time."),
        "slot_closed": lambda: _("This time is no longer taking bookings. Please choose another time."),
        "slot_past": lambda: _("This time has already passed. Please choose another time."),
        "slot_missing": lambda: _("The chosen time was not found. Please choose a time again."),
        "window_last": lambda: _("Bookings are taken for times up to %(date)s.") % {"date": day},
        "window_first": lambda: _("Online bookings are taken for times from %(date)s.") % {"date": day},
        "no_following_slot": lambda: (
            _("This appointment needs more time than is left after %(time)s. Please choose an earlier time.")
            % {"time": time_label(params["time"])}
        ),
        "too_many_people": lambda: (
            _("One booking can be for at most %(limit)s people.") % {"limit": params["limit"]}
        ),
        "people_range": lambda: (
            _("Number of people: enter a number from 1 to %(limit)s.") % {"limit": params["limit"]}
        ),
        "card_not_bookable": lambda: (
            _(
                "The card for notice number %(number)s cannot be booked at the moment. Please call the call center."
            )
            % {"number": params["number"]}
        ),
        "card_office": lambda: (
            _(
                "The card for notice number %(number)s is collected at another office; it cannot be booked here."
            )
            % {"number": params["number"]}
        ),
        "card_taken": lambda: (
            _(
                "The card for notice number %(number)s is already booked (reference code %(code)s). "
                "Change or cancel that booking."
            )
            % {"number": params["number"], "code": params["code"]}
        ),
        "branch_lead": lambda: (
            _(
                "The card for notice number %(number)s must first be sent to this office: "
                "please choose a time from %(date)s."
            )
            % {"number": params["number"], "date": day}
        ),
        "person_missing": lambda: _(
            "Enter the name, date of birth and phone number of the person who comes."
        ),
        "birth_missing": lambda: _("Date of birth: please enter it."),
        "name_missing": lambda: _("Name: please enter it."),
        "name_too_long": lambda: _("Name: at most 60 characters."),
        "phone_bad": lambda: _("Phone number: enter 10 or 11 digits (e.g. 0942-30-9000)."),
        "type_closed": lambda: _("This kind of appointment is not taking bookings at the moment."),
        "type_not_web": lambda: _(
            "This kind of appointment cannot be booked online. Please call the call center."
        ),
        "office_not_served": lambda: _(
            "This office does not handle this kind of appointment. Please choose another office."
        ),
        "person_taken": lambda: _(
            "This person already has a booking of this kind. Change or cancel that booking first."
        ),
        "web_deadline": lambda: (
            _("Online changes and cancellations are possible until %(date)s. Please call the call center.")
            % {"date": day}
        ),
        "email_bad": lambda: _("E-mail address: please enter a correct address."),
        "hold_expired": lambda: _("The time held for you has expired. Please choose a time again."),
    }
    if code in messages:
        return messages[code]()
    if is_japanese():
        return exc.messages[0]
    return _("This could not be done:") + " " + exc.messages[0]


def languages() -> list[tuple[str, str]]:
    return list(settings.LANGUAGES)


__all__ = ["booking_error", "builtin", "current", "date_label", "is_japanese", "languages"]
