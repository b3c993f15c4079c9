import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from campaign.petitions import crypto
from campaign.petitions.models import Petition, Signature
from campaign.petitions.services import canonical_email, email_lookup


class PetitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Petition

    slug = factory.Sequence(lambda n: f"petition-{n}")
    title = factory.Sequence(lambda n: f"Petition {n}")
    text = "Release everyone arbitrarily detained."
    goal = 1000
    is_featured = True


class SignatureFactory(factory.django.DjangoModelFactory):
    """A row as signing leaves it; use `confirmed=True` for a counted one."""

    class Meta:
        model = Signature

    class Params:
        confirmed = factory.Trait(state=Signature.State.CONFIRMED, confirmed_at=factory.LazyFunction(timezone.now))

    petition = factory.SubFactory(PetitionFactory)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"signer{n}@example.org")
    email_index = factory.LazyAttribute(lambda o: email_lookup(o.email))
    email_domain = factory.LazyAttribute(lambda o: canonical_email(o.email).rpartition("@")[2])
    name_words = factory.LazyAttribute(lambda o: crypto.name_words(o.name))
    name_shape = factory.LazyAttribute(lambda o: crypto.name_shape(o.name))
    country = "DE"
    consent_version = "test"
    state = Signature.State.PENDING
    email_state = Signature.EmailState.SENT


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@staff.example")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            self.is_staff = True
            self.groups.set(Group.objects.filter(name__in=extracted))
        if create:
            self.save()
