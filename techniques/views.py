from __future__ import annotations

from django.views.generic import DetailView, TemplateView

from . import selectors
from .models import Technique


class TechniqueCatalogueView(TemplateView):
    template_name = "techniques/technique_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(sections=selectors.technique_catalogue(), **kwargs)


class TechniqueDetailView(DetailView):
    model = Technique
    template_name = "techniques/technique_detail.html"
    context_object_name = "technique"

    def get_object(self, queryset=None) -> Technique:
        return selectors.technique_for_page(slug=self.kwargs["slug"], user=self.request.user)
