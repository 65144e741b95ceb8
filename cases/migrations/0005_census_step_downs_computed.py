"""Step-downs inferred from census dates are computed when read (`cases/step_downs.py`), so the
rows an earlier import stored (source "census") and the end reason it set with them go: they
held the link window of the day they were written (ADR 0055)."""

from django.db import migrations


def census_step_downs_removed(apps, schema_editor):
    StepDown = apps.get_model("cases", "StepDown")
    CPPlan = apps.get_model("cases", "CPPlan")
    inferred = StepDown.objects.filter(source="census")
    CPPlan.objects.filter(
        id__in=inferred.values("plan_id"), end_reason="step_down_cin"
    ).update(end_reason="")
    inferred.delete()


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0004_census_fields_lachildid_20"),
    ]

    operations = [
        migrations.RunPython(census_step_downs_removed, migrations.RunPython.noop),
    ]
