"""小微企业信保易: who may buy it (eligibility), binding a follower to its enterprise, the
enterprise's policies and credit limits, renewal applications, shipment declarations and the
reminders SOL 信保通 gives (续转、应收汇、应报可损、长期闲置限额).

A domain package: it imports only ``core``; the chat (``handlers.policies``), the API
(``api.eligibility``, ``api.enterprise``, ``api.policies``, ``api.renewals``,
``api.shipments``) and the pages (``web.policies``) call its use cases.
"""
