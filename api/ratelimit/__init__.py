"""Rate limits: a per-client budget of query cost per hour, and attempt limits with
backoff for logins and password reset requests (docs/security.md)."""
