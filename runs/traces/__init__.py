"""Imported agent traffic: readers for each trace format, conversations, prices and the fitted workload.

Every reader turns its format into the same `TraceCall` records (`records.py`), read as a stream; the
rest of the import never sees a format again.
"""
