"""In-app notifications and outgoing webhooks.

Domains call `emit(session, ...)` inside their own transaction: it inserts one notification per
recipient and one pending delivery per subscribed webhook, and sends nothing.  The dispatcher
(dispatcher.py) sends deliveries later, in the background, so the request that caused an event
never waits on someone else's web server.  The registry calls this package; it never calls back.
"""
