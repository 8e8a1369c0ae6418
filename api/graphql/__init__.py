"""The GraphQL layer's shared plumbing: execution, context, cost, errors, pagination and the
types every domain's schema uses. `api.core` stays free of GraphQL; the domains' `schema.py`
and `types.py` build on this package."""
