"""Typed factories for the case record, shared by every app's tests."""

import datetime as dt

import factory
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

from cases.models import (
    Agency,
    Assessment,
    AssessmentFactor,
    CINEpisode,
    CINPlan,
    CPPlan,
    DARiskFlag,
    Family,
    FamilyMembership,
    Person,
    StepDown,
    Team,
    User,
)
from cases.roles import Role, role_group_name


class GroupFactory(DjangoModelFactory[Group]):
    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"group-{n}")


class AgencyFactory(DjangoModelFactory[Agency]):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n}")
    code = factory.Sequence(lambda n: f"agency-{n}")
    kind = Agency.Kind.COUNCIL
    group = factory.SubFactory(GroupFactory, name=factory.SelfAttribute("..code"))


class TeamFactory(DjangoModelFactory[Team]):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    agency = factory.SubFactory(AgencyFactory)
    group = factory.SubFactory(GroupFactory, name=factory.Sequence(lambda n: f"team-{n}"))


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Sam"
    last_name = factory.Sequence(lambda n: f"Tester{n}")
    role = Role.MANAGER
    agency = factory.SubFactory(AgencyFactory)
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def role_group(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            group, _ = Group.objects.get_or_create(name=role_group_name(self.role))
            self.groups.add(group, self.agency.group)


class FamilyFactory(DjangoModelFactory[Family]):
    class Meta:
        model = Family

    reference = factory.Sequence(lambda n: f"FAM{n:06d}")


class PersonFactory(DjangoModelFactory[Person]):
    class Meta:
        model = Person

    kind = Person.Kind.CHILD
    first_name = "Alex"
    last_name = factory.Sequence(lambda n: f"Child{n}")
    date_of_birth = dt.date(2015, 6, 1)
    sex = "U"
    la_child_id = factory.Sequence(lambda n: f"C{n:07d}")


class MembershipFactory(DjangoModelFactory[FamilyMembership]):
    class Meta:
        model = FamilyMembership

    family = factory.SubFactory(FamilyFactory)
    person = factory.SubFactory(PersonFactory)
    abuse_role = FamilyMembership.AbuseRole.CHILD


class EpisodeFactory(DjangoModelFactory[CINEpisode]):
    class Meta:
        model = CINEpisode

    child = factory.SubFactory(PersonFactory)
    referral_date = dt.date(2023, 1, 2)
    primary_need = "N1"


class AssessmentFactory(DjangoModelFactory[Assessment]):
    class Meta:
        model = Assessment
        skip_postgeneration_save = True

    episode = factory.SubFactory(EpisodeFactory)
    start_date = factory.LazyAttribute(lambda a: a.episode.referral_date)

    @factory.post_generation
    def factor_codes(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create and extracted:
            AssessmentFactor.objects.bulk_create(
                AssessmentFactor(assessment=self, code=code) for code in extracted
            )


class CPPlanFactory(DjangoModelFactory[CPPlan]):
    class Meta:
        model = CPPlan

    episode = factory.SubFactory(EpisodeFactory)
    child = factory.SelfAttribute("episode.child")
    start_date = dt.date(2023, 3, 1)
    end_date = None
    initial_category = "EMO"
    latest_category = "EMO"


class CINPlanFactory(DjangoModelFactory[CINPlan]):
    class Meta:
        model = CINPlan

    episode = factory.SubFactory(EpisodeFactory)
    start_date = dt.date(2023, 9, 1)


class StepDownFactory(DjangoModelFactory[StepDown]):
    class Meta:
        model = StepDown

    plan = factory.SubFactory(CPPlanFactory)
    decided_on = factory.LazyAttribute(lambda s: s.plan.end_date or s.plan.start_date)
    source = StepDown.Source.CONFERENCE


class DARiskFlagFactory(DjangoModelFactory[DARiskFlag]):
    class Meta:
        model = DARiskFlag

    plan = factory.SubFactory(CPPlanFactory)
    recorded_on = factory.LazyAttribute(lambda f: f.plan.start_date)
    at_planning = True
    source = DARiskFlag.Source.CONFERENCE
