"""The audit trail: every change to the clinic's records (django-auditlog, `trail`) and every staff read
of a patient's health data (`AccessEvent`, written by `access`)."""
