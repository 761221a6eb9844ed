"""Seed the shift templates (spec 6: 8:30–17:15, Thursday and busy-season evenings to 19:00, part-time)."""

import datetime

from django.db import migrations

T = datetime.time
TEMPLATES = [
    ("day", "日勤", T(8, 30), T(17, 15), False),
    ("late", "遅番（夜間延長）", T(10, 15), T(19, 0), False),
    ("pt_am", "短時間・午前", T(8, 30), T(13, 0), True),
    ("pt_pm", "短時間・午後", T(13, 0), T(17, 15), True),
    ("pt_mid", "短時間・日中", T(10, 0), T(16, 0), True),
    ("pt_eve", "短時間・夕方", T(15, 0), T(19, 0), True),
]


def seed(apps, schema_editor):
    ShiftTemplate = apps.get_model("staffing", "ShiftTemplate")
    for order, (code, name, start, end, part_time) in enumerate(TEMPLATES):
        ShiftTemplate.objects.update_or_create(
            code=code, defaults={"name": name, "start": start, "end": end, "part_time": part_time, "sort_order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("staffing", "0003_shifttemplate_monthplan_planinterval_planshift_and_more")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
