"""England's published figures for 2024-25 (DOMAIN.md "Measures"), loaded as data.

Later years are added the same way (a data migration) or by a manager on the comparators page.
"""

from decimal import Decimal

from django.db import migrations

NOTE = "Characteristics of children in need 2024-25 (DfE)"
ENGLAND_2024_25 = [
    # (measure, value, numerator, denominator)
    ("replan_rate", Decimal("24.5"), 15130, 61840),
    ("children_on_plan", Decimal("49420"), None, None),
    ("open_2y_plus", Decimal("2.3"), None, None),
    ("ended_band_0", Decimal("15.9"), None, None),
    ("ended_band_1", Decimal("11.0"), None, None),
    ("ended_band_2", Decimal("43.5"), None, None),
    ("ended_band_3", Decimal("25.2"), None, None),
    ("ended_band_4", Decimal("4.4"), None, None),
]


def load(apps, schema_editor):
    ComparatorFigure = apps.get_model("reporting", "ComparatorFigure")
    for measure, value, numerator, denominator in ENGLAND_2024_25:
        ComparatorFigure.objects.update_or_create(
            measure=measure,
            source="england",
            year="2024-25",
            defaults={
                "value": value,
                "numerator": numerator,
                "denominator": denominator,
                "note": NOTE,
            },
        )


def unload(apps, schema_editor):
    ComparatorFigure = apps.get_model("reporting", "ComparatorFigure")
    ComparatorFigure.objects.filter(source="england", year="2024-25").delete()


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_figures_and_comparators")]

    operations = [migrations.RunPython(load, unload)]
