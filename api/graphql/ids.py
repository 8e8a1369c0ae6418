"""Decoding global IDs given as input, with a typed error instead of an exception."""

from __future__ import annotations

from strawberry import relay

from api.core.errors import ErrorCode, ServiceError


def decode_id(global_id: relay.GlobalID | str, type_name: str, *, field: str) -> str:
    """The node id inside a global ID of the expected type."""
    try:
        gid = (
            global_id
            if isinstance(global_id, relay.GlobalID)
            else relay.GlobalID.from_id(global_id)
        )
    except (relay.GlobalIDValueError, ValueError, TypeError):
        raise ServiceError(ErrorCode.INVALID, field=field) from None
    if gid.type_name != type_name:
        raise ServiceError(ErrorCode.INVALID, field=field)
    return gid.node_id


def decode_int_id(global_id: relay.GlobalID | str, type_name: str, *, field: str) -> int:
    node_id = decode_id(global_id, type_name, field=field)
    if not node_id.isdigit():
        raise ServiceError(ErrorCode.INVALID, field=field)
    return int(node_id)
