from __future__ import annotations

import factory

from techniques.models import Contraindication, Technique, TechniqueKind, TechniqueStep


class TechniqueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Technique
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"T{n}")
    slug = factory.Sequence(lambda n: f"test-technique-{n}")
    name = factory.Sequence(lambda n: f"Test technique {n}")
    kind = TechniqueKind.STRETCH
    summary = "A made-up technique for tests."
    hold_seconds = 20
    repetitions = 2
    feel = "A gentle pull."
    precautions = "Stop if it hurts, and see a professional if your symptoms persist."
    equipment = "A mat."
    published = True
    position = 900

    @factory.post_generation
    def steps(self, create, extracted, **kwargs):
        if create:
            for number, text in enumerate(extracted or ["Get ready.", "Do it.", "Rest."], start=1):
                TechniqueStep.objects.create(technique=self, number=number, text=text)


class ContraindicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contraindication
        skip_postgeneration_save = True

    key = factory.Sequence(lambda n: f"test_condition_{n}")
    name = factory.Sequence(lambda n: f"Test condition {n}")
    explanation = "A made-up condition for tests."

    @factory.post_generation
    def rules_out(self, create, extracted, **kwargs):
        if create and extracted:
            self.rules_out.set(extracted)
