"""業務手順書: the procedure manual per role, for the people doing the work (and a successor contractor).

Each chapter is a role, each section one task with numbered steps as they are done on the screens (screen
names as in the menu). The text below is the 初版 shipped with the app (reviewed like code); on the screen
「業務手順書」 the site manager or director revises a section and city staff approve or return it
(`ManualRevision`); the printed manual uses each section's latest approved revision. The screens are
photographed from a running server with demo data by `madoguchi manual_screenshots` (`ManualScreenshot`) and
printed under their sections. Developer documentation stays in docs/ and is not printed in the handover.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from typing import Any

from madoguchi.lib.pdf import register_japanese_font


@dataclass(frozen=True)
class Task:
    key: str  # stable id of the section ("operator.call"): revisions and screenshots refer to it
    title: str
    steps: tuple[str, ...]
    note: str = ""

    @property
    def screen(self) -> Screen | None:
        return SCREENS.get(SCREEN_OF_TASK.get(self.key, ""))


@dataclass(frozen=True)
class Screen:
    """A screen shown in the manual: who sees it (a role key of ROLE_USERS) and where, as a path that may
    contain {ym} (the previous month, which has data in the demo)."""

    key: str
    caption: str
    role: str
    path: str


# The screens photographed by `madoguchi manual_screenshots` from a server showing demo data.
SCREENS: dict[str, Screen] = {
    s.key: s
    for s in (
        Screen("calls.take", "通話受付", "operator", "/calls/take/"),
        Screen("calls.callbacks", "折り返し一覧", "operator", "/calls/callbacks/"),
        Screen("cards.import", "到着カード一覧の取込", "back_office", "/cards/import/"),
        Screen("cards.scan", "スキャン（工程の記録）", "back_office", "/cards/scan/"),
        Screen("cards.stocktake", "棚卸モード", "back_office", "/cards/stocktake/"),
        Screen("cards.day", "当日準備", "back_office", "/cards/day/"),
        Screen("floor.board", "フロア案内（タブレット）", "floor", "/floor/"),
        Screen("home", "ホーム（業務管理者）", "site_manager", "/"),
        Screen("incidents.list", "トラブル・苦情", "site_manager", "/incidents/"),
        Screen("staffing.plans", "人員計画・シフト", "site_manager", "/staffing/"),
        Screen("reports.month_close", "月次締め", "director", "/reports/monthly/{ym}/close/"),
        Screen("reports.monthly", "月報", "director", "/reports/monthly/?month={ym}"),
        Screen("reports.plans", "業務計画書", "director", "/reports/plans/"),
        Screen("reports.handover", "引継ぎ資料", "director", "/reports/handover/"),
    )
}
SCREEN_OF_TASK = {
    "operator.call": "calls.take",
    "operator.callback": "calls.callbacks",
    "back_office.import": "cards.import",
    "back_office.filing": "cards.scan",
    "back_office.stocktake": "cards.stocktake",
    "back_office.day": "cards.day",
    "floor.guide": "floor.board",
    "site_manager.morning": "home",
    "site_manager.incident": "incidents.list",
    "site_manager.shifts": "staffing.plans",
    "director.close": "reports.month_close",
    "director.submit": "reports.monthly",
    "director.plan": "reports.plans",
    "director.handover": "reports.handover",
}
# The demo accounts (README) that see each role's screens.
ROLE_USERS = {
    "operator": "sato",
    "back_office": "suzuki",
    "floor": "takahashi",
    "site_manager": "tanaka",
    "director": "ito",
}


@dataclass(frozen=True)
class Chapter:
    role: str
    purpose: str
    tasks: tuple[Task, ...]


MANUAL: tuple[Chapter, ...] = (
    Chapter(
        "オペレーター（コールセンター）",
        "市民からの電話に市の立場で答え、受取予約の受付と折り返しを行う。",
        (
            Task(
                "operator.call",
                "電話を受ける",
                (
                    "メニュー「通話受付」を開く。着信すると回線番号と着信時刻が表示される。",
                    "名乗り（「マイナンバーカードコールセンターです」）の後、用件を聞く。",
                    "質問を入力欄に打つと、承認済みの質疑応答集から回答候補が表示される。候補の回答どおりに案内する。",
                    "通話が終わったら分類（数字キーで選択）と結果を選び、「記録」を押す（Alt+S）。",
                ),
                "個人番号（マイナンバー）は聞き取らず、入力もしない（入力すると画面が拒否する）。",
            ),
            Task(
                "operator.booking",
                "受取予約を受け付ける（新規・変更・取消）",
                (
                    "通話受付画面の予約欄を開く（Alt+Y）。交付通知書番号と生年月日を聞き、カードを検索する。",
                    "家族の分は生年月日だけで追加できる（同じ住所・同じ受取庁舎のカードに限る）。"
                    "予約できないカードには理由と案内の言い方が表示されるので、そのとおり伝える。",
                    "空き枠を記号（A、B…）で選ぶと日時・庁舎・人数・氏名が表示される。読み上げて確認し、"
                    "Enter で確定する。予約番号は通話記録に自動で入る。",
                    "変更・取消は、この通話で見つけたカードの予約なら予約欄で行う。予約番号だけ分かる場合は"
                    "予約窓口の画面で予約を開いて行う。",
                ),
            ),
            Task(
                "operator.callback",
                "その場で答えられない問合せ・あふれ呼の折り返し",
                (
                    "結果で「折り返しが必要」を選び、電話番号と用件を入力する（期限は自動で設定される）。",
                    "メニュー「折り返し」で期限の近い順に架電し、結果（連絡がついた・応答なし等）を毎回記録する。",
                    "対応が終わったら完了理由を選んで完了にする。連絡がつかない場合は架電記録を残してから終了する。",
                ),
                "他回線へ回った入電（あふれ呼）は自動で折り返し一覧に入る。すべて折り返す。",
            ),
        ),
    ),
    Chapter(
        "交付事務（バックオフィス）",
        "到着したカードの交付前準備から交付後処理までを、バーコードで記録しながら行う。",
        (
            Task(
                "back_office.import",
                "到着カード一覧の取込",
                (
                    "メニュー「カード」の取込画面で、到着一覧（CSV または Excel）を選んで送信する。",
                    "確認画面で、ファイルの種類（取込設定）、シート（Excel で複数ある場合）と列の対応を確かめる。"
                    "知らない列には警告が出るので、対応する項目を選ぶか「取り込まない」を選ぶ。",
                    "先頭の数行が正しく読めていることを確かめ、「この対応で取り込む」を押す。"
                    "新しい様式のファイルは、対応を取込設定として保存すると次回から自動で選ばれる。",
                    "行・列ごとの誤りが表示されたら、1件も取り込まれていない。元のファイルを直して取り込み直す。",
                    "取込が完了すると、カードは「到着」の状態で作業キューに入る。",
                ),
            ),
            Task(
                "back_office.filing",
                "交付前設定・ファイリング・収納",
                (
                    "メニュー「作業キュー」で件数と見込み時間を確認する（1枚あたり約20分が目安）。",
                    "スキャン画面で工程を選び、カードのバーコードを読み取る。読み取るごとに状態が進む。",
                    "収納するときは収納場所のバーコードを先に読み、続けてカードを読む。",
                    "誤って読み取った場合は、30分以内なら直前の操作を取り消せる。",
                ),
            ),
            Task(
                "back_office.stocktake",
                "金庫の棚卸",
                (
                    "スキャン画面の「棚卸モード」（Alt+T）を開き、収納場所（キャビネット、ボックス）を入力して「開始」を押す。",
                    "その場所にあるカードの交付通知書番号を順に読み取る。あるはずの枚数と読み取った枚数が画面に出る。",
                    "読み終えたら「照合して記録する」（Alt+K）を押す。不足・別の場所・該当なしのカードを一覧で確認し、"
                    "収納場所の誤りは通常の収納の読取りで直す。紛失の疑いは業務管理者に報告する。",
                ),
            ),
            Task(
                "back_office.correct",
                "カードの記載事項の訂正",
                (
                    "取込後に氏名・フリガナ・生年月日・住所・電話番号の誤りが分かったら、カードの画面の"
                    "「訂正」で正しい値と理由を入力する。",
                    "訂正はカードの履歴に「記載事項の訂正」として残る（値は記録されない）。",
                ),
            ),
            Task(
                "back_office.day",
                "当日準備・支所送付・交付後処理",
                (
                    "予約一覧から当日分の引出リストと本人確認チェックシートを印刷し、カードを準備する。",
                    "総合支所・市民センター受取のカードは送付を作成し、箱ごとに読み取って送る。",
                    "交付後はカード管理システム用の出力を作成し、交付日と交付通知書IDを確認する（1枚あたり約11分）。",
                ),
            ),
        ),
    ),
    Chapter(
        "フロア案内",
        "窓口に来た市民を用件ごとに案内し、マイナポータルの手続きを支援する。",
        (
            Task(
                "floor.guide",
                "来庁者の案内",
                (
                    "タブレットの「フロア」画面で、案内した用件のボタンを1回押す（押し間違いは取消ボタン）。",
                    "申請書の記載を案内し、必要な書類・持ち物を質疑応答集で確認して伝える。",
                ),
            ),
            Task(
                "floor.mynaportal",
                "マイナポータル手続きサポート",
                (
                    "来庁者本人に端末を操作してもらい、健康保険証のひも付け等を説明する。",
                    "終わったら手続きの種類と結果を記録する。",
                ),
                "暗証番号は聞かない・見ない。",
            ),
        ),
    ),
    Chapter(
        "業務管理者（常駐）",
        "当日の進捗と配置を管理し、欠員・トラブルを市へ報告する。",
        (
            Task(
                "site_manager.morning",
                "朝の確認",
                (
                    "ホーム画面で当日の予約件数、作業キュー、期限切れ間近の折り返しを確認する。",
                    "シフト表で当日の配置を確認し、欠員があれば代替要員を手配して市へ連絡する（連絡体制の表）。",
                ),
            ),
            Task(
                "site_manager.incident",
                "トラブル・事故の報告",
                (
                    "メニュー「トラブル・苦情」で発生日時・種類・重大度・経緯を記録する。",
                    "重大なもの、個人情報に関するもの、暴力団等の不当要求は直ちに市へ報告し、報告日時を記録する。",
                    "不当要求は毅然として拒否し、所轄の警察署に届け出る。",
                ),
            ),
            Task(
                "site_manager.shifts",
                "シフト表の作成",
                (
                    "メニュー「人員計画・シフト」で月を選び、予測から必要人数を算出する。",
                    "「シフト作成」を押すと作成処理が実行される（進み具合が表示される）。不足の時間帯は一覧で確認する。",
                ),
            ),
        ),
    ),
    Chapter(
        "統括管理者",
        "市との連絡・調整・報告を担い、月報と業務計画書を提出する。",
        (
            Task(
                "director.close",
                "月次締め",
                (
                    "メニュー「月報」で対象月を開き、「月次締め」へ進む。",
                    "確認項目（区分が未入力の入電、結果が未記録の折り返し、ありえない状態のカード等）を一件ずつ、"
                    "訂正するか、正しい理由を説明する。",
                    "特記事項・課題・改善の取組を記入して保存する。",
                    "確認項目がすべて処理できたら「締める」を押す。",
                ),
            ),
            Task(
                "director.submit",
                "月報の提出と訂正",
                (
                    "「契約情報」に宛名・受託者・代表者・契約名・契約期間が入っていることを確認する。",
                    "月報の画面で「鑑と別紙を作成して市へ提出する」を押す。作成が終わると提出した版（初版）が表示される。",
                    "提出後に数値が変わった場合は画面に表示される。訂正の理由を入力して訂正版を提出する。",
                    "市の受領確認は版ごとに画面に表示される。提出したファイルはいつでも同じ内容で再取得できる。",
                ),
            ),
            Task(
                "director.plan",
                "業務計画書",
                (
                    "メニュー「業務計画書」で年度の計画書を作成し、実施方法・セキュリティ・引継ぎ計画を記入する。",
                    "空欄・未整備の項目（シフトのない月等）が一覧に出ている間は提出できない。すべて整えてから提出する。",
                ),
            ),
            Task(
                "director.handover",
                "引継ぎ",
                (
                    "メニュー「引継ぎ資料」で ZIP を作成する（質疑応答集、業務手順書、処理途中の案件一覧、業務計画書）。",
                    "個人情報を含める場合は理由を入力する。作成は監査ログに記録される。",
                ),
            ),
        ),
    ),
)


def task_by_key(key: str) -> Task | None:
    return next((t for c in MANUAL for t in c.tasks if t.key == key), None)


@dataclass
class PrintedSection:
    """A section as printed: its latest approved revision, or the text shipped with the app."""

    task: Task
    title: str
    steps: list[str]
    note: str
    version: str  # 「初版（同梱）」 or 「第2版」
    approved_at: datetime.datetime | None = None
    approved_by: str = ""
    screen: Screen | None = None
    shot: Any = None  # ManualScreenshot, the newest of the screen


def printed_manual() -> list[tuple[Chapter, list[PrintedSection]]]:
    """Every chapter with its sections as they are printed now (approved text, newest screenshots)."""
    from .models import ManualRevision, ManualScreenshot

    approved = {
        r.key: r
        for r in ManualRevision.objects.filter(state=ManualRevision.State.APPROVED).select_related(
            "decided_by"
        )
    }
    shots = {}
    for key in SCREENS:
        # The PNG is read only when printed (a deferred field loads on access).
        shot = ManualScreenshot.objects.filter(key=key).defer("png").order_by("-taken_at", "-pk").first()
        if shot is not None:
            shots[key] = shot
    out = []
    for chapter in MANUAL:
        sections = []
        for task in chapter.tasks:
            screen = task.screen
            revision = approved.get(task.key)
            common: dict[str, Any] = {
                "task": task,
                "screen": screen,
                "shot": shots.get(screen.key) if screen else None,
            }
            if revision is None:
                sections.append(
                    PrintedSection(
                        title=task.title,
                        steps=list(task.steps),
                        note=task.note,
                        version="初版（同梱）",
                        **common,
                    )
                )
            else:
                sections.append(
                    PrintedSection(
                        title=revision.title,
                        steps=revision.step_list,
                        note=revision.note,
                        version=f"第{revision.number}版",
                        approved_at=revision.decided_at,
                        approved_by=str(revision.decided_by or ""),
                        **common,
                    )
                )
        out.append((chapter, sections))
    return out


def manual_pdf(*, printed_at: datetime.datetime, contract_line: str = "") -> bytes:
    """The manual as an A4 PDF: cover, 目次 with page numbers, one chapter per role, each section with its
    version, its steps and the screen it is done on (photographed from the app), and the 改訂履歴."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer
    from reportlab.platypus.tableofcontents import TableOfContents

    from madoguchi.lib.jdates import format_wareki

    from .models import ManualRevision
    from .render.pdf import para, styles, table_flowables
    from .sections import Table, wareki, wareki_datetime

    font = register_japanese_font()
    st = styles()

    class ManualDoc(SimpleDocTemplate):
        def afterFlowable(self, flowable: Any) -> None:
            if isinstance(flowable, Paragraph) and getattr(flowable, "toc_level", None) is not None:
                self.notify("TOCEntry", (flowable.toc_level, flowable.getPlainText(), self.page))

    def heading(text: str, style: ParagraphStyle, level: int) -> Paragraph:
        p = para(text, style)
        p.toc_level = level
        return p

    toc = TableOfContents()
    toc.levelStyles = [
        ParagraphStyle("toc0", fontName=font, fontSize=11, leading=16, leftIndent=0, wordWrap="CJK"),
        ParagraphStyle("toc1", fontName=font, fontSize=9.5, leading=13, leftIndent=12 * mm, wordWrap="CJK"),
    ]
    caption = ParagraphStyle(
        "caption", parent=st["small"], alignment=1, spaceBefore=1 * mm, spaceAfter=3 * mm
    )
    local = printed_at.astimezone(datetime.timezone(datetime.timedelta(hours=9)))
    story: list[Any] = [
        para("業務手順書", st["title"]),
        para(contract_line, st["body"]),
        para(f"作成 {format_wareki(local.date())} {local:%H:%M}", st["small"]),
        para(
            "各項目は市の承認を受けた版を載せています（「初版（同梱）」はシステムに同梱の手順）。"
            "画面の図はシステムの画面をデモ用データで撮影したものです。",
            st["small"],
        ),
        Spacer(1, 6 * mm),
        para("目次", st["h2"]),
        toc,
        PageBreak(),
    ]
    figure = 0
    for number, (chapter, sections) in enumerate(printed_manual(), start=1):
        story.append(heading(f"{number}. {chapter.role}", st["title"], 0))
        story.append(para(chapter.purpose, st["body"]))
        for index, section in enumerate(sections, start=1):
            story.append(heading(f"{number}.{index} {section.title}", st["h2"], 1))
            approved = (
                f"（{wareki(section.approved_at)} 承認 {section.approved_by}）" if section.approved_at else ""
            )
            story.append(para(f"{section.version}{approved}", st["small"]))
            story += [para(f"（{i}）{step}", st["body"]) for i, step in enumerate(section.steps, start=1)]
            if section.note:
                story.append(para(f"注意: {section.note}", st["warn"]))
            if section.shot is not None and section.screen is not None:
                figure += 1
                shot = section.shot
                width = 165 * mm
                height = width * shot.height / shot.width
                if height > 105 * mm:
                    width, height = width * 105 * mm / height, 105 * mm
                story.append(
                    KeepTogether(
                        [
                            Spacer(1, 2 * mm),
                            Image(io.BytesIO(bytes(shot.png)), width=width, height=height),
                            para(
                                f"図{figure}　{section.screen.caption}の画面（{wareki_datetime(shot.taken_at)} 撮影）",
                                caption,
                            ),
                        ]
                    )
                )
        story.append(PageBreak())
    history = (
        ManualRevision.objects.filter(
            state__in=[ManualRevision.State.APPROVED, ManualRevision.State.SUPERSEDED]
        )
        .select_related("submitted_by", "decided_by")
        .order_by("decided_at", "pk")
    )
    titles = {t.key: t.title for c in MANUAL for t in c.tasks}
    story.append(heading("改訂履歴", st["title"], 0))
    story += table_flowables(
        Table(
            "市の承認を受けた改訂",
            ["承認日", "項目", "版", "提出者", "承認者", "状態"],
            [
                [
                    wareki(r.decided_at),
                    titles.get(r.key, r.key),
                    f"第{r.number}版",
                    str(r.submitted_by or ""),
                    str(r.decided_by or ""),
                    "使用中" if r.state == ManualRevision.State.APPROVED else "旧版",
                ]
                for r in history
            ],
            empty_text="改訂はありません（すべて初版（同梱）の手順です）。",
            widths=(0.17, 0.33, 0.1, 0.15, 0.15, 0.1),
        ),
        st,
    )
    out = io.BytesIO()
    doc = ManualDoc(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title="業務手順書",
    )

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawString(20 * mm, 10 * mm, "業務手順書")
        canvas.drawRightString(190 * mm, 10 * mm, f"{doc.page} ページ")
        canvas.restoreState()

    doc.multiBuild(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
