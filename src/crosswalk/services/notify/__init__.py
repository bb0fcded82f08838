"""E-mail digests: each owner's daily message of what is due for them (evidence due or
stale, confirmations to give, nonconformities past due, breach clocks and data-subject
request deadlines), sent over SMTP at most once a day, with a signed unsubscribe link.

May use gdpr, isms, evidence, controls, mapping and access (it only reads their records;
it writes only its own tables and a user's digest opt-out). The job worker above it calls
``send_due_digests`` once a day.
"""
