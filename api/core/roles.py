"""What a caller may be: the roles every permission and visibility rule is written in
terms of (an account has one; anonymous callers have none)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    HELPER = "HELPER"
    HOUSEHOLD_REPRESENTATIVE = "HOUSEHOLD_REPRESENTATIVE"
    CASEWORKER = "CASEWORKER"
    ORGANISATION_ADMIN = "ORGANISATION_ADMIN"
    PLATFORM_ADMIN = "PLATFORM_ADMIN"
    # Manages mall sellers without being a helper (no helper profile): api/mall.
    SELLER = "SELLER"


# The roles that register and verify households: caseworkers and platform admins.
STAFF = (Role.CASEWORKER, Role.PLATFORM_ADMIN)
