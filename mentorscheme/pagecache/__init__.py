"""Reuse a signed-in person's rendered page while nothing it was built from has changed.

Every write to the scheme's tables replaces one number, the *data stamp*, in the same
transaction (database triggers, so bulk imports and ``QuerySet.update`` count too). A
page is reused only for the same session, address and day, when the stamp is the one
it was rendered under; otherwise it is rendered afresh.
"""
