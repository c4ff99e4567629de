from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html

from .models import Contraindication, Technique, TechniqueStep


class TechniqueStepInline(admin.TabularInline):
    model = TechniqueStep
    extra = 1
    ordering = ["number"]


class RuledOutByInline(admin.TabularInline):
    """The same links as Contraindication.rules_out, seen from the technique: a new technique needs the
    contraindications that rule out every technique (saddle numbness, blood clot, ...) added here."""

    model = Contraindication.rules_out.through
    extra = 0
    verbose_name = "contraindication that rules this technique out"
    verbose_name_plural = "contraindications that rule this technique out"
    autocomplete_fields = ["contraindication"]


@admin.register(Technique)
class TechniqueAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "hold_seconds", "repetitions", "published", "position", "preview"]
    list_display_links = ["name"]
    list_editable = ["published", "position"]
    list_filter = ["kind", "published"]
    search_fields = ["code", "name", "summary", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [TechniqueStepInline, RuledOutByInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "slug", "kind", "summary", "published", "position"]}),
        ("Doing it", {"fields": ["hold_seconds", "repetitions", "equipment", "feel", "precautions"]}),
    ]

    @admin.display(description="page")
    def preview(self, obj: Technique) -> str:
        label = "View" if obj.published else "Preview draft"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>', obj.get_absolute_url(), label
        )


@admin.register(Contraindication)
class ContraindicationAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "ruled_out_codes"]
    search_fields = ["key", "name", "explanation"]
    filter_horizontal = ["rules_out"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("rules_out")

    @admin.display(description="rules out")
    def ruled_out_codes(self, obj: Contraindication) -> str:
        return ", ".join(technique.code for technique in obj.rules_out.all()) or "—"
