"""The upload form and the form that imports measured runs."""

from __future__ import annotations

from django import forms

from runs.models import ImportFormat, Run

UPLOAD_FORMATS = [(value, label) for value, label in ImportFormat.choices if value != ImportFormat.RUNS]
KEEP_TEXT_HELP = (
    "Off: only counts, sizes, timings and tool names are stored. On: the messages are kept too, for the call "
    "inspector (traces contain prompts)."
)


class TraceUploadForm(forms.Form):
    file = forms.FileField(label="Trace file", help_text="JSON Lines or a JSON document.")
    format = forms.ChoiceField(label="Format", choices=UPLOAD_FORMATS, required=False)
    keep_text = forms.BooleanField(label="Keep message text", required=False, help_text=KEEP_TEXT_HELP)


class RunChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Run) -> str:
        return (
            f"#{obj.pk} {obj.script_name} on {obj.model}: "
            f"{obj.turns_completed} turns, {obj.calls_count} calls"
        )


class RunsImportForm(forms.Form):
    # The queryset is evaluated per form (a field's queryset is copied with every form), latest run first.
    runs = RunChoiceField(
        label="Measured runs",
        queryset=Run.objects.order_by("-started_at", "-id"),
        widget=forms.CheckboxSelectMultiple,
        help_text="Each run is one conversation.",
    )
    keep_text = forms.BooleanField(label="Keep message text", required=False, help_text=KEEP_TEXT_HELP)
