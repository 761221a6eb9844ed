"""Seed the courses the spec requires (10(3) ①–④, reasonable accommodation, and 7 pre-contract on-site training)."""

from django.db import migrations

ALL = ["phones", "back_office", "floor", "outreach"]
FACING = ["phones", "floor", "outreach"]  # jobs that talk to residents

COURSES = [
    ("system", "制度・カードの知識", "マイナンバー制度及びマイナンバーカードについて業務に必要な知識（仕様書10(3)①）", ALL),
    ("manual", "事務手順マニュアル", "市の実地研修等を基に作成したマニュアルによる事務処理手順（仕様書10(3)②）", ALL),
    ("privacy", "守秘義務と個人情報保護", "守秘義務及び個人情報の保護（仕様書10(3)③・12）", ALL),
    ("hospitality", "接遇（市の立場での対応）", "市としての立場で対応することの理解と接遇（仕様書10(3)④）", FACING),
    ("accessibility", "障害者への合理的配慮", "障害者差別解消法に基づく合理的配慮の提供", FACING),
    ("onsite", "委託開始前実地研修", "委託期間開始前の実地研修（仕様書7）", ALL),
]


def seed(apps, schema_editor):
    TrainingCourse = apps.get_model("staffing", "TrainingCourse")
    for order, (code, name, description, required_for) in enumerate(COURSES):
        TrainingCourse.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "required_for": required_for,
                "sort_order": order,
            },
        )


def unseed(apps, schema_editor):
    TrainingCourse = apps.get_model("staffing", "TrainingCourse")
    TrainingCourse.objects.filter(code__in=[c[0] for c in COURSES], completions__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("staffing", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
