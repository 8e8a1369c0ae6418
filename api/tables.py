"""Imports every table so `SQLModel.metadata` is complete (Alembic and tests use it)."""

from sqlmodel import SQLModel

from api.accounts.models import AccessToken, Account, PasswordResetToken
from api.audit.models import AuditEvent
from api.case_studies.models import (
    CaseStudy,
    CaseStudyCause,
    CaseStudyHousehold,
    CaseStudyPairing,
    CaseStudyProject,
    CaseStudyTranslation,
)
from api.core.cache_generations import CacheGeneration
from api.core.idempotency import IdempotencyKey
from api.crowdfunding.models import Backing, Campaign, CampaignPost, CampaignTranslation
from api.disbursements.models import Disbursement, DisbursementReceipt, DonationDisbursement
from api.donation.models import Donation, ReceiptCounter
from api.exhibitions.models import (
    Exhibition,
    ExhibitionItem,
    ExhibitionItemTranslation,
    ExhibitionTranslation,
)
from api.help_requests.models import HelpRequest, HelpRequestTranslation
from api.helpers.models import Helper
from api.households.models import Household, HouseholdCause, HouseholdStatusChange, HouseholdSubsidy
from api.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction
from api.mall.models import (
    HouseholdSale,
    Order,
    OrderLine,
    Product,
    ProductTranslation,
    Seller,
    SellerManager,
)
from api.media.models import Image, ImageVariant
from api.pairing.models import (
    Pairing,
    PairingCommitment,
    PairingDelivery,
    PairingMilestone,
    PairingReport,
)
from api.payments.models import Payment, PaymentEvent
from api.pledges.models import Pledge, ProgressUpdate, ProgressUpdateTranslation
from api.projects.models import Project, ProjectHousehold
from api.ratelimit.models import RateLimitCounter
from api.regions.models import Region, RegionTranslation
from api.stats.models import RegionStat

metadata = SQLModel.metadata

__all__ = [
    "AccessToken",
    "Account",
    "AuditEvent",
    "Backing",
    "CacheGeneration",
    "Campaign",
    "CampaignPost",
    "CampaignTranslation",
    "CaseStudy",
    "CaseStudyCause",
    "CaseStudyHousehold",
    "CaseStudyPairing",
    "CaseStudyProject",
    "CaseStudyTranslation",
    "Disbursement",
    "DisbursementReceipt",
    "Donation",
    "DonationDisbursement",
    "Exhibition",
    "ExhibitionItem",
    "ExhibitionItemTranslation",
    "ExhibitionTranslation",
    "HelpRequest",
    "HelpRequestTranslation",
    "Helper",
    "Household",
    "HouseholdCause",
    "HouseholdSale",
    "HouseholdStatusChange",
    "HouseholdSubsidy",
    "IdempotencyKey",
    "Image",
    "ImageVariant",
    "LedgerAccount",
    "LedgerEntry",
    "LedgerTransaction",
    "Order",
    "OrderLine",
    "Pairing",
    "PairingCommitment",
    "PairingDelivery",
    "PairingMilestone",
    "PairingReport",
    "PasswordResetToken",
    "Payment",
    "PaymentEvent",
    "Pledge",
    "Product",
    "ProductTranslation",
    "ProgressUpdate",
    "ProgressUpdateTranslation",
    "Project",
    "ProjectHousehold",
    "RateLimitCounter",
    "ReceiptCounter",
    "Region",
    "RegionStat",
    "RegionTranslation",
    "Seller",
    "SellerManager",
    "metadata",
]
