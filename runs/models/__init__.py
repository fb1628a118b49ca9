"""The runs app's data, one idea per module: measured runs of the reference loop (`runs.models.runs`)
and imported traffic (`runs.models.imports`)."""

from runs.models.imports import (
    STALLED_AFTER,
    ImportedCall,
    ImportedConversation,
    ImportFormat,
    ImportStatus,
    TraceImport,
)
from runs.models.runs import Call, Run, RunStatus

__all__ = [
    "STALLED_AFTER",
    "Call",
    "ImportFormat",
    "ImportStatus",
    "ImportedCall",
    "ImportedConversation",
    "Run",
    "RunStatus",
    "TraceImport",
]
