"""The mall's rows by key, each kind fetched in one statement per request (api/mall/queries.py
holds the statements)."""

from __future__ import annotations

from api.core.loading import Loader
from api.mall import queries
from api.mall.models import Order, OrderLine, Product, Seller
from api.payments import loaders as payment_loaders

# Sellers and products by id whatever their state: the seller of a visible product, the
# product of an order line (also when archived since).
seller: Loader[int, Seller] = Loader(
    "mall_seller", lambda scope, ids: queries.sellers_by_id(scope.session, ids)
)
product: Loader[int, Product] = Loader(
    "mall_product", lambda scope, ids: queries.products_by_id(scope.session, ids)
)

# What the caller may see, for `node`/`nodes`.
visible_seller: Loader[int, Seller] = Loader(
    "mall_visible_seller",
    lambda scope, ids: queries.visible_sellers_by_id(scope.session, scope.principal, ids),
)
visible_product: Loader[int, Product] = Loader(
    "mall_visible_product",
    lambda scope, ids: queries.visible_products_by_id(scope.session, scope.principal, ids),
)
visible_order: Loader[int, Order] = Loader(
    "mall_visible_order",
    lambda scope, ids: queries.visible_orders_by_id(scope.session, scope.principal, ids),
)

# The lines of each order, in the order they were placed.
order_lines: Loader[int, list[OrderLine]] = Loader(
    "mall_order_lines", lambda scope, ids: queries.lines_by_order(scope.session, ids)
)
# The reference to quote when paying, by payment id.
# One loader for every section: a payment id names one payment whatever it paid for.
payment_reference = payment_loaders.payment_reference
