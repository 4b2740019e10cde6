"""理赔: notices of possible loss (可损通知) and claims (索赔) — causes from the covered risks,
the documents each cause needs, the checks, the statuses and the 30-working-day deadline.

It never imports ``policies``: the adapters read the binding, the policy and the shipment
through policies' use cases and hand ``claims.usecases.ShipmentFacts`` (plain facts) in.
"""
