"""Words of the resident pages, in Japanese and English (the visitor's language, see LanguageMiddleware).

Kept as one table here, beside the views that use them, so both languages are reviewed together.
"""

from __future__ import annotations

from django.utils import translation

from madoguchi.calendar.services import main_office

TEXT: dict[str, dict[str, str]] = {
    "title": {"ja": "マイナンバーカード受取予約", "en": "My Number Card pickup booking"},
    "intro": {
        "ja": "交付通知書（はがき）に記載の交付通知書番号と、生年月日を入力してください。",
        "en": "Enter the notice number printed on your issuance notice (postcard) and your date of birth.",
    },
    "notice_number": {"ja": "交付通知書番号", "en": "Notice number"},
    "birth_date": {"ja": "生年月日", "en": "Date of birth"},
    "birth_help": {"ja": "例: 1980/5/17、昭和55年5月17日", "en": "e.g. 1980/5/17 (year/month/day)"},
    "sign_in": {"ja": "次へ", "en": "Continue"},
    "wrong": {
        "ja": "交付通知書番号または生年月日が正しくありません。",
        "en": "The notice number or the date of birth is not correct.",
    },
    "wait": {
        "ja": "入力の誤りが続いたため、この接続元からの受け付けを{seconds}秒ほどお待ちいただいています。時間をおいてお試しいただくか、コールセンターへお電話ください。",
        "en": "Too many wrong entries from this connection. Please wait about {seconds} seconds and try again, or call the call center.",
    },
    "step_up": {
        "ja": "この交付通知書番号には誤った入力が続いたため、確認コードによる本人確認が必要です。以前のご予約でメールアドレスをご登録の方には、確認コードをお送りしました（15分有効）。届かない場合はコールセンターへお電話ください。",
        "en": "There were repeated wrong entries for this notice number, so a confirmation code is needed. If you gave an e-mail address in an earlier booking, we have sent a code to it (valid 15 minutes). If none arrives, please call the call center.",
    },
    "stepup_code": {"ja": "確認コード（6桁）", "en": "Confirmation code (6 digits)"},
    "code_submit": {"ja": "確認する", "en": "Confirm"},
    "code_wrong": {
        "ja": "確認コードが正しくないか、有効期限が切れています。もう一度交付通知書番号と生年月日を入力するか、コールセンターへお電話ください。",
        "en": "The confirmation code is wrong or has expired. Enter the notice number and date of birth again, or call the call center.",
    },
    "code_mail_subject": {"ja": "【受取予約】確認コード", "en": "[Pickup booking] Confirmation code"},
    "code_mail_body": {
        "ja": "マイナンバーカード受取予約の確認コードは {code} です（15分有効）。\nお心当たりのない場合は、このメールを破棄し、コールセンターへご連絡ください。",
        "en": "Your confirmation code for the My Number Card pickup booking is {code} (valid 15 minutes).\nIf you did not ask for it, ignore this e-mail and tell the call center.",
    },
    "invalid": {"ja": "入力内容を確認してください。", "en": "Please check what you entered."},
    "notice_missing": {"ja": "交付通知書番号を入力してください。", "en": "Enter the notice number."},
    "notice_is_my_number": {
        "ja": "交付通知書番号の欄にマイナンバー（個人番号）は入力できません。はがきに記載の交付通知書番号を入力してください。",
        "en": "Do not enter your My Number (individual number). Enter the notice number printed on the postcard.",
    },
    "notice_too_long": {
        "ja": "交付通知書番号が長すぎます。はがきに記載の番号を確認してください。",
        "en": "The notice number is too long. Check the number on the postcard.",
    },
    "birth_missing": {"ja": "生年月日を入力してください。", "en": "Enter your date of birth."},
    "birth_bad": {
        "ja": "生年月日を正しく入力してください（例: 1980/5/17、昭和55年5月17日）。",
        "en": "Enter your date of birth as year/month/day, e.g. 1980/5/17.",
    },
    "your_cards": {"ja": "お受け取りになるカード", "en": "Cards to collect"},
    "office": {"ja": "受取場所", "en": "Pickup office"},
    "state": {"ja": "状態", "en": "Status"},
    "ready": {"ja": "お受け取りいただけます", "en": "Ready for pickup"},
    "not_ready": {
        "ja": "現在は予約できません。コールセンターへお問い合わせください。",
        "en": "Cannot be booked at the moment. Please call the call center.",
    },
    "your_booking": {"ja": "ご予約", "en": "Your booking"},
    "code": {"ja": "予約番号", "en": "Reference code"},
    "when": {"ja": "日時", "en": "Date and time"},
    "people": {"ja": "人数", "en": "People"},
    "choose_slot": {"ja": "ご希望の日時を選んでください", "en": "Choose a date and time"},
    "choose_date": {"ja": "日付で探す", "en": "Search by date"},
    "show": {"ja": "表示", "en": "Show"},
    "free": {"ja": "空き", "en": "free"},
    "no_slots": {"ja": "予約できる空き枠がありません。", "en": "There are no free times."},
    "no_slots_outside": {
        "ja": "{day}は予約の受付期間外です。{first}から{last}までの日付を選んでください。",
        "en": "{day} cannot be booked online. Choose a date from {first} to {last}.",
    },
    "no_slots_day": {
        "ja": "{day}は休業日か、空き枠がありません。別の日付を選んでください。",
        "en": "{day} is closed or fully booked. Please choose another date.",
    },
    "hold_note": {
        "ja": "この枠を{minutes}分間お取りしています。内容を確認して「予約する」を押してください。",
        "en": "This time is held for you for {minutes} minutes. Check and press “Book”.",
    },
    "email": {
        "ja": "メールアドレス（任意・確認メールを送ります）",
        "en": "Email (optional, for the confirmation)",
    },
    "reminder": {"ja": "前日にお知らせメールを受け取る", "en": "Send me a reminder the day before"},
    "book": {"ja": "予約する", "en": "Book"},
    "back": {"ja": "戻る", "en": "Back"},
    "booked": {"ja": "ご予約を承りました", "en": "Your booking is confirmed"},
    "bring": {
        "ja": "当日は交付通知書（はがき）と本人確認書類をお持ちください。予約番号を控えてください。",
        "en": "Please bring the issuance notice (postcard) and your identity documents. Note your reference code.",
    },
    "mail_sent": {"ja": "確認メールを送信しました。", "en": "We have sent a confirmation email."},
    "change": {"ja": "日時を変更する", "en": "Change the date and time"},
    "changed": {"ja": "日時を変更しました。", "en": "Your booking has been changed."},
    "cancel": {"ja": "予約を取り消す", "en": "Cancel the booking"},
    "cancel_q": {"ja": "この予約を取り消しますか？", "en": "Cancel this booking?"},
    "cancel_yes": {"ja": "取り消す", "en": "Yes, cancel"},
    "cancelled": {"ja": "予約を取り消しました。", "en": "Your booking has been cancelled."},
    "confirm_link": {
        "ja": "ご予約の確認・変更・取消をするには、次のボタンを押してください。",
        "en": "To see, change or cancel your booking, press the button below.",
    },
    "confirm_button": {"ja": "予約を確認する", "en": "Open my booking"},
    "link_bad": {
        "ja": "このリンクは無効か、期限が切れています。交付通知書番号と生年月日で確認してください。",
        "en": "This link is not valid or has expired. Please sign in with your notice number and date of birth.",
    },
    "sign_out": {"ja": "終了する", "en": "Finish"},
    "add_family": {"ja": "ご家族のカードも一緒に予約する", "en": "Add a family member's card"},
    "add": {"ja": "追加", "en": "Add"},
    "other_office": {
        "ja": "受取場所が異なるカードは一緒に予約できません。",
        "en": "Cards for a different pickup office cannot be booked together.",
    },
    "session_over": {
        "ja": "もう一度、交付通知書番号と生年月日を入力してください。",
        "en": "Please enter your notice number and date of birth again.",
    },
    "deadline": {
        "ja": "Webでの変更・取消は前日までです。お電話でお問い合わせください。",
        "en": "Changes and cancellations on the web close the day before. Please call us.",
    },
    "full": {
        "ja": "満席です。この枠には空きがありません。別の枠を選んでください。",
        "en": "This time is full. Please choose another time.",
    },
    "refused": {"ja": "", "en": "This could not be done: "},
    "hold_over": {
        "ja": "お取りしていた時間が過ぎました。もう一度、日時を選んでください。",
        "en": "The hold has expired. Please choose a time again.",
    },
    "lang_switch": {"ja": "English", "en": "日本語"},
    "lang_other": {"ja": "en", "en": "ja"},
    "phone": {
        "ja": "コールセンター: 0942-00-0000（平日 {opens}〜{closes}）",
        "en": "Call center: 0942-00-0000 (weekdays {opens}-{closes})",
    },
}

STATE_EN = {
    "notice_mailed": "Notice mailed",
    "set_up": "Prepared",
    "filed": "Prepared",
    "prepared": "Prepared",
    "shipped": "On its way to the office",
    "received_at_branch": "At the office",
    "issued": "Collected",
}


def lang() -> str:
    current = translation.get_language() or "ja"
    return "en" if current.startswith("en") else "ja"


def texts() -> dict[str, str]:
    code = lang()
    out = {key: value[code] for key, value in TEXT.items()}
    # The call center's regular hours are the main office's, from the calendar's office settings.
    main = main_office()
    out["phone"] = out["phone"].format(opens=f"{main.opens:%-H:%M}", closes=f"{main.closes:%-H:%M}")
    return out


def say(key: str, **kwargs: object) -> str:
    return TEXT[key][lang()].format(**kwargs)
