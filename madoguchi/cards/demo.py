"""Demo cards for FY2026: ~3,000 cards arrived April → today across every office and every state,
with consistent timelines, storage locations, shipments, post-issuance records and Myna-Assist records."""

from __future__ import annotations

import datetime
import random
from typing import Any, cast

from django.conf import settings
from django.utils import timezone

from madoguchi.accounts.models import User
from madoguchi.calendar.models import Office

from .models import (
    Card,
    CardEvent,
    MynaAssistRecord,
    PostIssuance,
    Shipment,
    ShipmentItem,
    StorageLocation,
)

S = Card.State
N_CARDS = 3000
JST = datetime.timezone(datetime.timedelta(hours=9))

SURNAMES = [
    ("田中", "タナカ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("古賀", "コガ"),
    ("松尾", "マツオ"),
    ("中村", "ナカムラ"),
    ("井上", "イノウエ"),
    ("山口", "ヤマグチ"),
    ("石橋", "イシバシ"),
    ("野田", "ノダ"),
    ("江口", "エグチ"),
    ("坂井", "サカイ"),
    ("堤", "ツツミ"),
    ("原", "ハラ"),
    ("今村", "イマムラ"),
    ("緒方", "オガタ"),
    ("吉田", "ヨシダ"),
    ("佐藤", "サトウ"),
    ("森", "モリ"),
    ("平田", "ヒラタ"),
]
GIVEN = [
    ("太郎", "タロウ"),
    ("花子", "ハナコ"),
    ("健", "ケン"),
    ("美咲", "ミサキ"),
    ("翔太", "ショウタ"),
    ("陽菜", "ヒナ"),
    ("大輔", "ダイスケ"),
    ("結衣", "ユイ"),
    ("誠", "マコト"),
    ("直子", "ナオコ"),
    ("蓮", "レン"),
    ("さくら", "サクラ"),
    ("一郎", "イチロウ"),
    ("和子", "カズコ"),
    ("悠真", "ユウマ"),
    ("千尋", "チヒロ"),
    ("修", "オサム"),
    ("恵子", "ケイコ"),
    ("湊", "ミナト"),
    ("芽依", "メイ"),
]
TOWNS = {
    "honcho": ["城南町", "東町", "日吉町", "小頭町", "篠山町", "諏訪野町", "合川町", "津福本町"],
    "tanushimaru": ["田主丸町田主丸", "田主丸町恵利", "田主丸町以真恵"],
    "kitano": ["北野町中", "北野町今山", "北野町八重亀"],
    "jojima": ["城島町城島", "城島町江上", "城島町楢津"],
    "mizuma": ["三潴町玉満", "三潴町西牟田", "三潴町田川"],
}
KINDS = [
    (Card.Kind.NEW, 50),
    (Card.Kind.RENEWAL, 28),
    (Card.Kind.REISSUE, 8),
    (Card.Kind.DETAILS_CHANGE, 6),
    (Card.Kind.EXPRESS, 3),
    (Card.Kind.MOVING_ABROAD, 2),
    (Card.Kind.SPECIFIED_RESIDENCE, 3),
]


def _weekdays(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    days, d = [], start
    while d <= end:
        if d.weekday() < 5:
            days.append(d)
        d += datetime.timedelta(days=1)
    return days


def _at(day: datetime.date, step: int, rng: random.Random) -> datetime.datetime:
    # Later steps later in the day, so steps on the same day keep their order.
    start = datetime.datetime.combine(day, datetime.time(9, 0), JST)
    return start + datetime.timedelta(minutes=35 * step + rng.randrange(30))


def _path(age: int, branch: bool, rng: random.Random) -> list[tuple[str, int]]:
    """States passed through with day offsets from arrival, chosen by the card's age in days."""
    steps: list[tuple[str, int]] = [(S.RECEIVED, 0)]
    if age < 1 or (age < 4 and rng.random() < 0.6):
        return steps
    steps.append((S.SET_UP, 1 + rng.randrange(2)))
    if rng.random() < 0.01:
        return [*steps, (S.ON_HOLD, steps[-1][1] + 1)]
    if age < 4 or (age < 7 and rng.random() < 0.4):
        return steps
    steps.append((S.FILED, steps[-1][1] + 1))
    if age < 7:
        return steps
    mailed = steps[-1][1] + 2
    steps.append((S.NOTICE_MAILED, mailed))
    if rng.random() < 0.025:
        return [*steps, (S.NOTICE_RETURNED, mailed + 6)]
    waited = age - mailed
    # Most residents come within weeks; some need a reminder; a few never come.
    r = rng.random()
    if waited < 5 or (r < 0.10 and waited < 60):
        return steps
    if r < 0.16 and waited >= 60:
        steps.append((S.REMINDER_SENT, mailed + 60))
        if waited > settings.MADOGUCHI_CARD_HOLDING_DAYS + 5:
            steps.append((S.UNCLAIMED, mailed + settings.MADOGUCHI_CARD_HOLDING_DAYS + 3))
            if waited > settings.MADOGUCHI_CARD_HOLDING_DAYS + 20 and rng.random() < 0.5:
                steps.append(
                    (
                        rng.choice([S.RETURNED, S.DESTROYED]),
                        mailed + settings.MADOGUCHI_CARD_HOLDING_DAYS + 15,
                    )
                )
        return steps
    pickup = mailed + 5 + int(rng.expovariate(1 / 14))
    prep = pickup - (2 if branch else 1)
    if prep > age:
        return steps  # booked (or not yet) for a later day
    steps.append((S.PREPARED, prep))
    if branch:
        steps.append((S.SHIPPED, prep))
        if pickup - 1 > age:
            return steps
        steps.append((S.RECEIVED_AT_BRANCH, pickup - 1))
    if pickup > age:
        return steps
    steps.append((S.ISSUED, pickup))
    if age - pickup > 3 or (age - pickup > 0 and rng.random() < 0.5):
        steps.append((S.POST_PROCESSED, pickup + 1 + rng.randrange(max(min(age - pickup - 1, 4), 1))))
    return steps


def load(*, stdout: Any = None) -> str:
    if Card.objects.exists():
        return ""
    offices = {o.code: o for o in Office.objects.all()}
    if not offices:
        return ""
    rng = random.Random(2026)
    today = timezone.localdate()
    start = datetime.date(2026, 4, 1)
    end = min(today, datetime.date(2027, 3, 31))
    if end < start:
        end = start
    days = _weekdays(start, end)
    users = {u.username: u for u in User.objects.filter(username__in=["suzuki", "tanaka", "takahashi"])}
    back = users.get("suzuki")

    locations = [
        StorageLocation(cabinet=cab, box=f"{box:02d}", slot="", code=f"{cab}-{box:02d}", capacity=120)
        for cab in "ABCDEF"
        for box in range(1, 11)
    ]
    StorageLocation.objects.bulk_create(locations)
    locations = list(StorageLocation.objects.order_by("code"))

    codes = list(offices)
    weights = [62 if offices[c].kind == Office.Kind.MAIN else 38 / max(len(codes) - 1, 1) for c in codes]
    # Later months weigh more (renewals and the busy autumn).
    day_weights = [1 + 2 * i / len(days) for i in range(len(days))]
    arrivals = sorted(rng.choices(days, weights=day_weights, k=N_CARDS))

    cards: list[Card] = []
    paths: list[list[tuple[str, int]]] = []
    used_notices: set[str] = set()
    for i, arrived in enumerate(arrivals):
        code = rng.choices(codes, weights=weights)[0]
        office = offices[code]
        sur, sur_k = rng.choice(SURNAMES)
        giv, giv_k = rng.choice(GIVEN)
        birth = datetime.date(1935, 1, 1) + datetime.timedelta(days=rng.randrange(365 * 88))
        notice = f"KRM{rng.randrange(10**6):06d}"
        while notice in used_notices:
            notice = f"KRM{rng.randrange(10**6):06d}"
        used_notices.add(notice)
        age = (end - arrived).days
        path = _path(age, office.kind != Office.Kind.MAIN, rng)
        path = [(s, min(off, age)) for s, off in path]
        final = path[-1][0]
        filed = any(s == S.FILED for s, _ in path)
        mailed = next((off for s, off in path if s == S.NOTICE_MAILED), None)
        issued = next((off for s, off in path if s == S.ISSUED), None)
        towns = TOWNS.get(code, TOWNS["honcho"])
        card = Card(
            notice_number=notice,
            application_id=f"{rng.randrange(10**22, 10**23)}",
            kind=rng.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0],
            method=Card.Method.COLLECT_AT_COUNTER if rng.random() < 0.83 else Card.Method.APPLY_AT_COUNTER,
            applicant_name=f"{sur} {giv}",
            applicant_kana=f"{sur_k} {giv_k}",
            address=f"福岡県久留米市{rng.choice(towns)}{rng.randrange(1, 40)}-{rng.randrange(1, 30)}",
            phone=f"090-{rng.randrange(10**4):04d}-{rng.randrange(10**4):04d}",
            birth_date=cast(Any, birth),  # an encrypted date (the stubs see a text field)
            pickup_office=office,
            storage_location=locations[i % len(locations)] if filed else None,
            myna_assist=rng.random() < 0.04,
            holding_deadline=(
                arrived + datetime.timedelta(days=mailed + settings.MADOGUCHI_CARD_HOLDING_DAYS)
            )
            if mailed is not None
            else None,
            state=final,
            issued_on=arrived + datetime.timedelta(days=issued) if issued is not None else None,
            arrived_on=arrived,
        )
        card.refresh_hashes()
        cards.append(card)
        paths.append(path)
    Card.objects.bulk_create(cards, batch_size=500)
    # Reload (pks and decrypted values as the database holds them), in the order of `paths`.
    by_notice = {c.notice_number: c for c in Card.objects.select_related("pickup_office")}
    ordered = [by_notice[c.notice_number] for c in cards]

    events: list[CardEvent] = []
    notes = {
        S.ON_HOLD: "顔写真の確認が必要（J-LISへ照会中）",
        S.NOTICE_RETURNED: "宛所不明で返戻",
        S.RETURNED: "保管期限経過のため返納",
        S.DESTROYED: "保管期限経過のため廃棄",
        S.REMINDER_SENT: "再通知書を発送",
    }
    for card, path in zip(ordered, paths, strict=True):
        previous = ""
        for step, (state, offset) in enumerate(path):
            day = card.arrived_on + datetime.timedelta(days=offset)
            at_office: Office | None = (
                card.pickup_office if state in (S.RECEIVED_AT_BRANCH, S.ISSUED) else None
            )
            events.append(
                CardEvent(
                    card=card,
                    at=_at(min(day, end), step, rng),
                    actor=None if state == S.RECEIVED else back,
                    from_state=previous,
                    to_state=state,
                    office=at_office,
                    note=notes.get(S(state), "到着一覧の取込" if state == S.RECEIVED else ""),
                )
            )
            previous = state
    CardEvent.objects.bulk_create(events, batch_size=2000)

    # Post-issuance rows for finished cards; exported up to last week.
    now = timezone.now()
    post = [
        PostIssuance(
            card=c,
            notice_confirmed=True,
            id_sheet_filed=True,
            notice_filed=True,
            old_card_collected=c.kind != Card.Kind.NEW,
            done_by=back,
            done_at=datetime.datetime.combine(c.issued_on or c.arrived_on, datetime.time(16, 0), JST),
            exported_at=now if c.issued_on and (end - c.issued_on).days > 7 else None,
        )
        for c in ordered
        if c.state == S.POST_PROCESSED
    ]
    PostIssuance.objects.bulk_create(post, batch_size=1000)

    # Shipments: one per branch for the cards now travelling or received at the branch.
    n_shipments = 0
    for office in offices.values():
        if office.kind == Office.Kind.MAIN:
            continue
        travelling = [
            c
            for c in ordered
            if c.pickup_office_id == office.pk and c.state in (S.SHIPPED, S.RECEIVED_AT_BRANCH)
        ]
        if not travelling:
            continue
        shipment = Shipment.objects.create(
            to_office=office,
            for_date=end,
            status=Shipment.Status.SHIPPED,
            created_by=back,
            shipped_at=now - datetime.timedelta(days=1),
        )
        ShipmentItem.objects.bulk_create(
            [
                ShipmentItem(
                    shipment=shipment, card=c, received_at=now if c.state == S.RECEIVED_AT_BRANCH else None
                )
                for c in travelling
            ]
        )
        n_shipments += 1

    floor_user = users.get("takahashi")
    assists = []
    for c in [c for c in ordered if c.myna_assist]:
        assists.append(
            MynaAssistRecord(
                applicant_name=c.applicant_name,
                name_hash=MynaAssistRecord.hash_name(c.applicant_name),
                received_on=max(start, c.arrived_on - datetime.timedelta(days=30)),
                office=c.pickup_office,
                card=c,
                created_by=floor_user,
            )
        )
    MynaAssistRecord.objects.bulk_create(assists)

    counts: dict[str, int] = {}
    for c in ordered:
        counts[c.state] = counts.get(c.state, 0) + 1
    summary = "、".join(f"{S(s).label}{n}" for s, n in sorted(counts.items(), key=lambda kv: -kv[1])[:6])
    return (
        f"カード {len(ordered)}枚（{summary} ほか）、履歴 {len(events)}件、収納場所 {len(locations)}、"
        f"支所送付 {n_shipments}件、マイナ・アシスト {len(assists)}件"
    )
