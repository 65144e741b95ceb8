import django_filters

from config.api import IdFilter, StrictFilterSet

from ..models import CohortFlag, CohortRun


class CohortFlagFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=CohortFlag.Status.choices)
    flagged_since = django_filters.DateFilter(field_name="flagged_on", lookup_expr="gte")
    # The flag's own columns: a flag is visible only with its family, so neither is an oracle.
    family = IdFilter(field_name="family_id")
    worker = IdFilter(field_name="worker_id")

    class Meta:
        model = CohortFlag
        fields = ["status", "flagged_since", "family", "worker"]


class CohortRunFilter(StrictFilterSet):
    as_of = django_filters.DateFilter()
    status = django_filters.ChoiceFilter(choices=CohortRun.Status.choices)

    class Meta:
        model = CohortRun
        fields = ["as_of", "status"]
