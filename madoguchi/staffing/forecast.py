"""Forecast of the work of one office for one month, down to half-hour intervals and skills.

1. Monthly calls by category (予約 / カードに関する問合せ / その他): logged calls of the same month a year
   before when the calls app holds enough of them, else the spec's FY2025 table (10(1)②) for that month,
   else its April–November average; × a growth factor. Cards likewise: the cards app's arrivals/issuances
   of the month once there are at least MIN_CARD_RECORDS, else FY2025's 39,000 a year spread by month.
   The site manager can override each figure.
2. Days: the ONE calendar (`calendar.services.opening_days`); weekday effects (Monday busiest, a day after
   a closed weekday busier); holiday issuance days take a share of phone calls; outreach days only outreach.
3. Half-hours: an intraday profile (DEFAULT_PROFILE below, learned from logged calls once there are enough).
4. Phones: Erlang B with the 6 lines (target roll-over probability, default 5%).
5. Back office: cards to prepare (× 20 min) and to post-process (× 11 min), spread over the regular hours
   of regular weekdays (8:30–17:15; evening extensions and holiday openings are for residents: phones, floor).
6. Floor: a fixed number of people per opening interval (overridable), raised to what the office's counter
   visitors need once the reservations app holds its bookings (`reservations.selectors.appointment_counts`:
   people booked + walk-ins per day × COUNTER_MINUTES_PER_VISIT); outreach: on an outreach app event's day,
   its windows + 1.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from madoguchi.calendar.models import Office
from madoguchi.calendar.services import DayHours, hours_range
from madoguchi.calls.selectors import call_figures, inbound_calls, month_call_table
from madoguchi.cards.models import Card
from madoguchi.outreach.selectors import events_between
from madoguchi.reservations.selectors import appointment_counts

from . import erlang
from .models import Skill

LINES = 6
CATEGORIES = ("reservation", "card_inquiry", "other")
CATEGORY_LABELS = {"reservation": "予約", "card_inquiry": "カードに関する問合せ", "other": "その他"}

# Spec 10(1)② FY2025 incoming calls per month: (予約, カードに関する問合せ, その他). Copied from
# shared/data/kurume-fy2025-figures.json (not part of the repository).
FY2025_CALLS: dict[int, tuple[int, int, int]] = {
    4: (1096, 738, 66),
    5: (1290, 717, 96),
    6: (1306, 761, 85),
    7: (1400, 785, 138),
    8: (1222, 751, 93),
    9: (1313, 680, 95),
    10: (1467, 970, 103),
    11: (1685, 916, 98),
}
FY2025_CARDS_EXPECTED = 39000  # cards issued in FY2025 (spec 10(1)①)

# Average handling time per category, seconds. settings.MADOGUCHI_AHT_SECONDS may replace these.
DEFAULT_AHT = {"reservation": 240, "card_inquiry": 360, "other": 180}

# Weekday effect (Mon..Fri), and the day after a closed weekday (calls held over the holiday).
WEEKDAY_FACTOR = (1.30, 1.05, 1.00, 0.95, 0.90)
AFTER_CLOSURE_FACTOR = 1.20
# Holiday issuance / year-end openings (spec 6(1)③: floor work and phones): a share of a weekday's calls.
SPECIAL_OPENING_PHONE_FACTOR = 0.5

# Intraday profile, relative weight per half-hour starting at the key. Default from the usual municipal
# call-center shape: a peak after opening, a lunch dip, a smaller afternoon peak, quiet evenings.
DEFAULT_PROFILE: dict[str, float] = {
    "08:30": 1.30, "09:00": 1.50, "09:30": 1.40, "10:00": 1.30, "10:30": 1.20, "11:00": 1.10,
    "11:30": 1.00, "12:00": 0.75, "12:30": 0.75, "13:00": 1.10, "13:30": 1.10, "14:00": 1.00,
    "14:30": 0.95, "15:00": 0.90, "15:30": 0.85, "16:00": 0.80, "16:30": 0.70, "17:00": 0.55,
    "17:30": 0.45, "18:00": 0.40, "18:30": 0.35,
}  # fmt: skip

# Spec 10(1)①: FY2026 expected renewals. Card renewals are cards to prepare and post-process like any other;
# e-certificate renewals bring residents' questions to the phones (RENEWAL_CALL_RATE calls per renewal,
# an assumption the site manager can override). Both spread evenly over the 12 months.
FY2026_CARD_RENEWALS = 13302
FY2026_CERTIFICATE_RENEWALS = 35664
RENEWAL_CALL_RATE = 0.05
# Months the spec's table does not cover (December–March), relative to its April–November average: the New
# Year break in December, then the fiscal-year-end peak (busy season with evening openings in late March).
SEASON_FACTOR = {12: 0.85, 1: 1.0, 2: 1.1, 3: 1.4}

DEFAULTS = {
    "growth": 1.0,
    "shrinkage": 0.10,  # absence, training, meetings: scheduled people who are not at work on the task
    "callbacks": 1,  # 1: rolled-over calls are called back the same day (their handling time is phone work)
    "renewal_call_rate": RENEWAL_CALL_RATE,
    "target": 0.05,
    "floor_staff": 2,
    "outreach_staff": 5,  # up to 4 windows + a guide (spec 10(1)③)
    "cards_preparation": None,  # None → from the cards app or FY2025 expectation
    "cards_post_issuance": None,
}

# The keys a site manager may override (form fields): calls_<category>, aht_<category>, and DEFAULTS.
PARAMETERS = [f"calls_{c}" for c in CATEGORIES] + [f"aht_{c}" for c in CATEGORIES] + list(DEFAULTS)

MIN_LOGGED_CALLS = 300
MIN_PROFILE_CALLS = 300  # calls of one weekday over 90 days before its own intraday profile is used
# Below these, logged calls / card records are too few (a partial log) to replace the table.
MIN_CARD_RECORDS = 1000
# Counter demand (floor staff) from the office's bookings once the month holds at least this many people
# booked or walking in; each takes COUNTER_MINUTES_PER_VISIT of a floor person's time (an assumption,
# settings.MADOGUCHI_MINUTES_PER_COUNTER_VISIT may replace it).
MIN_COUNTER_VISITS = 50
COUNTER_MINUTES_PER_VISIT = 15


def regular_close(office: Office) -> datetime.time:
    """The office's regular closing time in the one calendar (later is the evening extension, spec 6(1)①)."""
    return office.closes


class ForecastError(ValueError):
    """A forecast that cannot be planned from (Japanese message)."""


@dataclass
class Interval:
    date: datetime.date
    start: datetime.time
    end: datetime.time
    skill: str
    calls_per_hour: float = 0.0
    required: int = 0
    rollover: float | None = None


@dataclass
class Forecast:
    office: Office
    year: int
    month: int
    days: list[DayHours]
    intervals: list[Interval]
    figures: dict[str, object]
    messages: list[str] = field(default_factory=list)


def _minutes(t: datetime.time) -> int:
    return t.hour * 60 + t.minute


def _time(m: int) -> datetime.time:
    return datetime.time(m // 60, m % 60)


def half_hours(opens: datetime.time, closes: datetime.time) -> list[tuple[datetime.time, datetime.time]]:
    """Half-hour intervals from opening; the last one ends at closing (8:30–17:15 ends with 17:00–17:15)."""
    result = []
    m = _minutes(opens)
    end = _minutes(closes)
    while m < end:
        result.append((_time(m), _time(min(m + 30, end))))
        m += 30
    return result


def logged_monthly_calls(year: int, month: int) -> dict[str, int] | None:
    """Calls offered in a month by category (the calls app's CTI figures, shared out by the answered calls'
    report columns); None when fewer than MIN_LOGGED_CALLS were logged (a partial log, not a month)."""
    table = month_call_table(year=year, month=month)
    offered = table.figures.offered
    known = table.reservation + table.card_inquiry + table.other
    if offered < MIN_LOGGED_CALLS or known == 0:
        return None
    shares = {"reservation": table.reservation, "card_inquiry": table.card_inquiry, "other": table.other}
    # Calls not classified (roll-overs, abandoned, unfinished logs) are shared out like the classified ones.
    return {c: round(shares[c] * offered / known) for c in CATEGORIES}


def logged_aht() -> dict[str, float]:
    """Handling time per category from the last 90 days' answered calls (at least 50): the measured mean talk
    time, split between the categories in the proportions of the defaults (the CTI log has no category)."""
    now = timezone.now()
    figures = call_figures(start=now - datetime.timedelta(days=90), end=now)
    if figures.answered < 50 or not figures.avg_talk_seconds:
        return {}
    mean_default = sum(DEFAULT_AHT.values()) / len(DEFAULT_AHT)
    return {c: DEFAULT_AHT[c] * figures.avg_talk_seconds / mean_default for c in CATEGORIES}


def learned_profiles() -> dict[int, dict[str, float]]:
    """Per weekday (0 = Monday): the share of inbound calls per half-hour over the last 90 days, relative to that
    weekday's mean, for weekdays with at least MIN_PROFILE_CALLS calls (others use DEFAULT_PROFILE)."""
    now = timezone.now()
    counts: dict[int, dict[str, int]] = {}
    for started in inbound_calls(start=now - datetime.timedelta(days=90), end=now).values_list(
        "started_at", flat=True
    ):
        local = timezone.localtime(started)
        key = f"{local.hour:02d}:{30 if local.minute >= 30 else 0:02d}"
        if key in DEFAULT_PROFILE:
            day = counts.setdefault(local.weekday(), {})
            day[key] = day.get(key, 0) + 1
    profiles = {}
    for weekday, day in counts.items():
        total = sum(day.values())
        if total < MIN_PROFILE_CALLS:
            continue
        mean = total / len(DEFAULT_PROFILE)
        profiles[weekday] = {k: day.get(k, 0) / mean for k in DEFAULT_PROFILE}
    return profiles


def _cards_in_month(year: int, month: int) -> tuple[int | None, int | None]:
    """Cards arriving (to prepare) and issued (to post-process) in the month, from the cards app (read-only)."""
    arrived = Card.objects.filter(arrived_on__year=year, arrived_on__month=month).count()
    issued = Card.objects.filter(issued_on__year=year, issued_on__month=month).count()
    # A month with few records is a partial log (or demo data), not a month's work: keep the expectation.
    return (arrived if arrived >= MIN_CARD_RECORDS else None), (
        issued if issued >= MIN_CARD_RECORDS else None
    )


def _outreach_events(
    first: datetime.date, last: datetime.date
) -> dict[datetime.date, tuple[int, datetime.time, datetime.time]]:
    """(windows, opens, closes) of the outreach app's planned events in the month."""
    return {e.date: (e.windows, e.opens, e.closes) for e in events_between(first, last)}


def counter_visits(office: Office, days: list[DayHours]) -> dict[datetime.date, int] | None:
    """People expected at the office's counter per opening day: booked people (not cancelled) plus walk-ins,
    from `reservations.selectors.appointment_counts` (counts only, no personal data). None when the month
    holds fewer than MIN_COUNTER_VISITS (the reservations app not in use there yet)."""
    if not days:
        return None
    month = appointment_counts(start=days[0].date, end=days[-1].date, office=office)
    if sum(t.people + t.walk_in for t in month) < MIN_COUNTER_VISITS:
        return None
    return {
        d.date: sum(t.people + t.walk_in for t in appointment_counts(start=d.date, end=d.date, office=office))
        for d in days
    }


def _special(d: DayHours) -> bool:
    """A holiday issuance / year-end / weekend opening (not a regular weekday)."""
    return d.date.weekday() >= 5 or d.kind.startswith("special:")


def _outreach_days(office: Office, days: list[DayHours]) -> set[datetime.date]:
    return {d.date for d in days if d.kind == "special:outreach"}


def build(office: Office, year: int, month: int, overrides: dict[str, object] | None = None) -> Forecast:  # noqa: C901 - the forecast steps in the order docs/staffing.md explains them; to be split into steps
    """The forecast of one office-month, with every figure it used and its source."""
    import calendar as pycalendar

    overrides = {k: v for k, v in (overrides or {}).items() if v not in (None, "")}
    first = datetime.date(year, month, 1)
    last = datetime.date(year, month, pycalendar.monthrange(year, month)[1])
    all_days = hours_range(office, first, last)
    days = [d for d in all_days if d.is_open]
    messages: list[str] = []
    if not days:
        raise ForecastError(
            f"{year}年{month}月は{office.name}の開庁日がありません（開庁カレンダーを確認してください）。"
        )

    param = {**DEFAULTS, **{k: v for k, v in overrides.items() if k in DEFAULTS}}
    growth = float(param["growth"])  # type: ignore[arg-type]
    target = float(param["target"])  # type: ignore[arg-type]
    if growth < 0:
        raise ForecastError("伸び率は0以上にしてください。")

    # 1. Monthly calls by category.
    logged = logged_monthly_calls(year - 1, month)
    if logged:
        base = {c: float(logged[c]) for c in CATEGORIES}
        source = f"{year - 1}年{month}月の通話記録"
    elif month in FY2025_CALLS:
        base = dict(zip(CATEGORIES, map(float, FY2025_CALLS[month]), strict=True))
        source = f"仕様書 令和7年度{month}月の入電件数"
    else:
        season = SEASON_FACTOR.get(month, 1.0)
        base = {
            c: season * sum(v[i] for v in FY2025_CALLS.values()) / len(FY2025_CALLS)
            for i, c in enumerate(CATEGORIES)
        }
        source = f"仕様書 令和7年度4〜11月の入電件数の平均 × 季節係数{season:g}（年度末の繁忙期を見込む）"
    # The call center and the card back office work at the main office for the whole city: a branch's plan
    # that took the city's calls and cards again would count that work twice.
    central = office.kind == Office.Kind.MAIN
    if not central:
        base = dict.fromkeys(CATEGORIES, 0.0)
        source = "本庁のコールセンターで計画（支所は0件）"
    calls: dict[str, float] = {}
    for c in CATEGORIES:
        key = f"calls_{c}"
        if key in overrides:
            value = float(overrides[key])  # type: ignore[arg-type]
            if value < 0:
                raise ForecastError(f"{CATEGORY_LABELS[c]}の月間呼数は0以上にしてください。")
            calls[c] = value
        else:
            calls[c] = base[c] * growth
    renewal_rate = float(param["renewal_call_rate"])  # type: ignore[arg-type]
    shrinkage = float(param["shrinkage"])  # type: ignore[arg-type]
    if renewal_rate < 0 or not 0 <= shrinkage < 0.9:
        raise ForecastError("更新の問合せ率は0以上、シュリンケージは0以上0.9未満にしてください。")
    renewal_calls = 0.0
    if central and "calls_card_inquiry" not in overrides:
        renewal_calls = (FY2026_CARD_RENEWALS + FY2026_CERTIFICATE_RENEWALS) / 12 * renewal_rate
        calls["card_inquiry"] += renewal_calls
    total_calls = sum(calls.values())
    if total_calls == 0 and central:
        messages.append("月間の呼数予測が0件のため、電話応対の必要人数は0人になります。")

    # AHT per category.
    aht_source = "既定値"
    aht: dict[str, float] = {c: float(v) for c, v in DEFAULT_AHT.items()}
    aht.update(getattr(settings, "MADOGUCHI_AHT_SECONDS", {}) or {})
    learned = logged_aht()
    if learned:
        aht.update(learned)
        aht_source = "直近90日の通話記録"
    for c in CATEGORIES:
        key = f"aht_{c}"
        if key in overrides:
            value = float(overrides[key])  # type: ignore[arg-type]
            if value <= 0:
                raise ForecastError(f"{CATEGORY_LABELS[c]}の平均処理時間は0より大きくしてください。")
            aht[c] = value
    mean_aht = (
        sum(calls[c] * aht[c] for c in CATEGORIES) / total_calls
        if total_calls
        else DEFAULT_AHT["reservation"]
    )

    # Cards.
    arrived, issued = _cards_in_month(year, month)
    monthly_default = round((FY2025_CARDS_EXPECTED + FY2026_CARD_RENEWALS) / 12 * growth)
    if not central:
        arrived, issued, monthly_default = None, None, 0
    cards_prep = (
        param["cards_preparation"] if param["cards_preparation"] is not None else (arrived or monthly_default)
    )
    cards_post = (
        param["cards_post_issuance"]
        if param["cards_post_issuance"] is not None
        else (issued or monthly_default)
    )
    cards_prep, cards_post = int(cards_prep), int(cards_post)  # type: ignore[call-overload]
    if cards_prep < 0 or cards_post < 0:
        raise ForecastError("カードの枚数は0以上にしてください。")
    min_prep = settings.MADOGUCHI_MINUTES_PER_CARD_PREPARATION
    min_post = settings.MADOGUCHI_MINUTES_PER_CARD_POST_ISSUANCE

    floor_staff = int(param["floor_staff"])  # type: ignore[call-overload]
    outreach_staff = int(param["outreach_staff"])  # type: ignore[call-overload]
    if floor_staff < 0 or outreach_staff < 0:
        raise ForecastError("フロア・出張申請の人数は0以上にしてください。")
    # Counter demand from the office's bookings: floor people per interval at least what the visitors need.
    visits = counter_visits(office, days)
    visit_minutes = float(getattr(settings, "MADOGUCHI_MINUTES_PER_COUNTER_VISIT", COUNTER_MINUTES_PER_VISIT))

    profiles = learned_profiles()
    profile_source = (
        "直近90日の通話記録（曜日別: " + "・".join("月火水木金土日"[w] for w in sorted(profiles)) + "）"
        if profiles
        else "既定の時間帯別分布"
    )

    def profile_of(day: datetime.date) -> dict[str, float]:
        return profiles.get(day.weekday(), DEFAULT_PROFILE)

    # 2. Day weights (phones) and work days (back office).
    outreach = _outreach_days(office, days)
    events = _outreach_events(first, last)
    closed_weekdays = {d.date for d in all_days if not d.is_open and d.date.weekday() < 5}
    phone_weight: dict[datetime.date, float] = {}
    for d in days:
        if d.date in outreach:
            continue
        if _special(d):
            f = SPECIAL_OPENING_PHONE_FACTOR
        else:
            f = WEEKDAY_FACTOR[d.date.weekday()]
            prev = d.date - datetime.timedelta(days=1 if d.date.weekday() else 3)
            if prev in closed_weekdays:
                f *= AFTER_CLOSURE_FACTOR
        assert d.opens and d.closes
        mass = sum(
            profile_of(d.date).get(f"{s:%H:%M}", 0.3) * ((_minutes(e) - _minutes(s)) / 30)
            for s, e in half_hours(d.opens, d.closes)
        )
        phone_weight[d.date] = f * mass
    weight_total = sum(phone_weight.values())
    # Card work is done on regular weekdays; holiday issuance days need floor and phones (spec 6(1)③),
    # and the cards issued on them are post-processed on the next weekday.
    work_days = [d for d in days if d.date not in outreach and not _special(d)]
    open_minutes_total = 0
    for d in work_days:
        assert d.opens and d.closes
        open_minutes_total += min(_minutes(d.closes), _minutes(regular_close(office))) - _minutes(d.opens)

    intervals: list[Interval] = []
    cap_messages = 0
    for d in days:
        assert d.opens and d.closes
        slots = half_hours(d.opens, d.closes)
        if d.date in outreach:
            # One person per window of the event plus a guide, unless the site manager set a number.
            people = outreach_staff
            if "outreach_staff" not in overrides and d.date in events:
                people = events[d.date][0] + 1
            for s, e in slots:
                intervals.append(Interval(d.date, s, e, Skill.OUTREACH, required=people))
            continue
        day_calls = total_calls * phone_weight[d.date] / weight_total if weight_total else 0.0
        profile = profile_of(d.date)
        mass = sum(profile.get(f"{s:%H:%M}", 0.3) * ((_minutes(e) - _minutes(s)) / 30) for s, e in slots)
        # Card work is not tied to residents: it is done in regular hours, not in the evening extension.
        bo_close = (
            min(_minutes(d.closes), _minutes(regular_close(office))) if not _special(d) else _minutes(d.opens)
        )
        day_open = bo_close - _minutes(d.opens)
        bo_minutes = (
            (cards_prep * min_prep + cards_post * min_post) * day_open / open_minutes_total if day_open else 0
        )
        # Shrinkage: of the people scheduled, a share is away (absence, training, meetings).
        bo_people = math.ceil(bo_minutes / (1 - shrinkage) / day_open - 1e-9) if bo_minutes > 0 else 0
        # Callback work: calls that roll over at the target rate are called back the same day by the operators;
        # their handling time is spread over the day's intervals (one correction pass).
        callback_per_hour = (
            day_calls * target * 60 / (_minutes(d.closes) - _minutes(d.opens))
            if d.closes > d.opens and float(param["callbacks"])  # type: ignore[arg-type]
            else 0.0
        )
        for s, e in slots:
            share = profile.get(f"{s:%H:%M}", 0.3) * ((_minutes(e) - _minutes(s)) / 30) / mass if mass else 0
            calls_in = day_calls * share
            per_hour = calls_in * 60 / (_minutes(e) - _minutes(s))
            load = (per_hour + callback_per_hour) * mean_aht / 3600
            req = erlang.required_agents(
                "b", load, target, max_agents=LINES, calls_per_hour=per_hour, aht_seconds=mean_aht
            )
            n = req.agents if req.met else LINES
            if n is not None and n > 0 and shrinkage:
                n = min(LINES, math.ceil(n / (1 - shrinkage) - 1e-9))
            if not req.met:
                cap_messages += 1
                if cap_messages <= 5:
                    messages.append(f"{d.date.month}月{d.date.day}日 {s:%-H:%M}〜{e:%-H:%M}: " + req.message)
            n = n if n is not None else LINES
            intervals.append(Interval(d.date, s, e, Skill.PHONES, round(per_hour, 2), n, req.probability))
            bo = bo_people if _minutes(s) < bo_close else 0
            intervals.append(Interval(d.date, s, e, Skill.BACK_OFFICE, required=bo))
            floor = floor_staff
            if visits and visits.get(d.date):
                # The day's visitors spread over its opening hours; shrinkage as for the back office.
                length = _minutes(e) - _minutes(s)
                work = visits[d.date] * visit_minutes * length / (_minutes(d.closes) - _minutes(d.opens))
                floor = max(floor, math.ceil(work / length / (1 - shrinkage) - 1e-9))
            intervals.append(Interval(d.date, s, e, Skill.FLOOR, required=floor))
            if d.date in events:
                # An outreach event on a regular opening day (no special day of its own): its hours too.
                windows, ev_opens, ev_closes = events[d.date]
                if ev_opens <= s and e <= ev_closes:
                    people = outreach_staff if "outreach_staff" in overrides else windows + 1
                    intervals.append(Interval(d.date, s, e, Skill.OUTREACH, required=people))
    if cap_messages > 5:
        messages.append(f"ほかに{cap_messages - 5}の時間帯で、6回線でも目標の呼損率を満たせません。")

    figures = {
        "calls": {c: round(calls[c]) for c in CATEGORIES},
        "calls_source": "上書き" if any(f"calls_{c}" in overrides for c in CATEGORIES) else source,
        "aht": {c: round(aht[c]) for c in CATEGORIES},
        "aht_source": aht_source,
        "profile_source": profile_source,
        "target": target,
        "growth": growth,
        "cards_preparation": cards_prep,
        "cards_post_issuance": cards_post,
        "cards_source": (
            "カード管理の記録"
            if (arrived or issued)
            else ("令和7年度見込み（年3.9万枚）の月割り" if central else "本庁の交付事務で計画（支所は0枚）")
        ),
        "back_office_hours": round((cards_prep * min_prep + cards_post * min_post) / 60, 1),
        "renewal_calls": round(renewal_calls),
        "shrinkage": shrinkage,
        "floor_staff": floor_staff,
        "counter_visits": sum(visits.values()) if visits else None,
        "counter_source": (
            f"予約の記録（予約・飛び込みの来庁者数、1人{visit_minutes:g}分）"
            if visits
            else "予約の記録が少ないため、フロア人数の既定値"
        ),
        "outreach_staff": outreach_staff,
        "opening_days": len(days),
        "outreach_days": len(outreach | set(events)),
    }
    if total_calls == 0 and cards_prep == 0 and cards_post == 0 and floor_staff == 0 and not outreach:
        raise ForecastError(
            "予測がすべて0件のため、必要人数が算出できません。呼数・カード枚数・フロア人数を確認してください。"
        )
    return Forecast(office, year, month, days, intervals, figures, messages)
