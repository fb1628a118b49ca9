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


class RunsImportForm(forms.Form):
    runs = forms.ModelMultipleChoiceField(
        label="Measured runs",
        queryset=Run.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Each run is one conversation.",
    )
    keep_text = forms.BooleanField(label="Keep message text", required=False, help_text=KEEP_TEXT_HELP)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["runs"].queryset = Run.objects.order_by("-started_at", "-id")
        self.fields["runs"].label_from_instance = lambda run: (
            f"#{run.pk} {run.script_name} on {run.model}: "
            f"{run.turns_completed} turns, {run.calls_count} calls"
        )
