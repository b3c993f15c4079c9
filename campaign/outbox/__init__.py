"""Sending email: claim a batch of due emails, render them, send them over one connection,
record each outcome.

The interface for the rest of the site: `wake.wake()` once an email is due (after commit),
`sending.send_due()` for a sender task. The rows are the outbox (`storage`); `emails` renders.
"""
