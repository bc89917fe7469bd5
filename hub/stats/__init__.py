"""Figures derived from the fused stream: occupancy, daily enterprise figures, the site
grade, and the five-colour stability of each enterprise with its tenant records."""

from hub.stats.colour_store import ColourChange, ColourRecord, ColourStore
from hub.stats.colours import COLOURS, worst
from hub.stats.daily import DailyFigures
from hub.stats.grading import Finding, SiteGrade, SiteOperation, grade_site
from hub.stats.grading_model import GradingError, GradingRules, load_grading, parse_grading
from hub.stats.live_occupancy import LiveOccupancy
from hub.stats.occupancy import OccupancyCounter, Passage, SiteOccupancy, SitePlan, site_plan
from hub.stats.service import StatsService
from hub.stats.settings import StatsSettings
from hub.stats.stability import Assessment, EnterpriseFacts, Override, Reason, assess
from hub.stats.stability_model import (
    StabilityRule,
    StabilityRulesError,
    load_stability_rules,
    parse_stability_rules,
)
from hub.stats.tenant_records import Complaint, Dispute, RentPayment, TenantRecords

__all__ = [
    "COLOURS",
    "Assessment",
    "ColourChange",
    "ColourRecord",
    "ColourStore",
    "Complaint",
    "DailyFigures",
    "Dispute",
    "EnterpriseFacts",
    "Finding",
    "GradingError",
    "GradingRules",
    "LiveOccupancy",
    "OccupancyCounter",
    "Override",
    "Passage",
    "Reason",
    "RentPayment",
    "SiteGrade",
    "SiteOccupancy",
    "SiteOperation",
    "SitePlan",
    "StabilityRule",
    "StabilityRulesError",
    "StatsService",
    "StatsSettings",
    "TenantRecords",
    "assess",
    "grade_site",
    "load_grading",
    "load_stability_rules",
    "parse_grading",
    "parse_stability_rules",
    "site_plan",
    "worst",
]
