"""The outbox: every outgoing email is a row, written in the transaction that causes it, and sent by a
background task that claims the row, so it is sent once, retried on failure, and never waited on by a
request. Other apps call `clinic.outbox.services.outbox_enqueue` inside their transaction."""
