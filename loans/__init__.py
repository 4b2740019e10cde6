"""保单融资 / 信保贷: what it is (from the source document), whether a follower's enterprise may
apply, an indicative amount from its insured receivables, and a tracked referral to a partner
bank whose status the bank reports back by a signed callback.

Knows nothing of WeChat, Flask or 信保易's tables: the adapters read the binding, the policies
and the shipments through ``policies.usecases.enterprise_facts`` and pass those plain facts in.
"""
