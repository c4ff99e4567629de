"""A patient's rights over what the clinic holds about them: a copy of it all (export) and closing the
account (erasure: anonymised at once, clinical records kept for the clinic's retention period, then
deleted by a task).

Every app holds part of the record, and clinic may not import the apps above it, so each app registers
one `RightsPart` in `registry` from its `AppConfig.ready()`; the services here only ask the parts.
"""
