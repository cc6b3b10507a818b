"""What matching stores, for the data inventory (``privacy.inventory``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from flipside.privacy.inventory import PARTICIPANTS, Activity, Basis, Keep, Subject, declare, fields
from flipside.privacy.inventory import Protection as P
from flipside.privacy.inventory import not_personal as plain
from flipside.privacy.subject_access import rule

ROW = "The row's number."
RUN = Basis.PUBLIC_TASK
COORDINATORS = "The cohort's coordinators."
KEPT = (
    "Bookkeeping of kept figures: the generation of the data and the one they were counted at, and"
    " when."
)
REASONS = (
    "Why the pair scores as it does, in words (shared topics, availability, site, "
    "preferences) and any warnings; topics can name lived experience."
)

declare(
    "matching.MatchingSettings",
    activity=Activity.MATCHING,
    purpose="How a cohort's compatibility scores are weighted, and its optional hard rules.",
    retention=Keep.CONFIGURATION,
    seen_by=COORDINATORS,
    subjects=(Subject.COORDINATOR,),
    identifies="updated_by",
    groups=[
        plain(
            "id cohort weight_topics weight_availability weight_mode_site weight_preferences "
            "avoid_same_department require_meetable first_contact version",
            "The weights, the rules and who gets in touch first.",
        ),
        fields("updated_by updated_at", "Who last changed them, and when.", RUN, P.PERSONAL),
    ],
)

declare(
    "matching.Capacity",
    activity=Activity.MATCHING,
    purpose="A person allowed more than one partner in a cohort.",
    retention=Keep.PARTICIPANT,
    seen_by=COORDINATORS,
    subjects=PARTICIPANTS,
    identifies="user",
    groups=[
        plain("id cohort", ROW + " The cohort."),
        fields("user partners", "Who, and how many partners they may have.", RUN, P.PERSONAL),
    ],
)

declare(
    "matching.PairRule",
    activity=Activity.MATCHING,
    purpose=(
        "A coordinator's rule about one mentor and one mentee: never pair them, or keep them "
        "paired."
    ),
    retention=Keep.PARTICIPANT,
    seen_by=COORDINATORS,
    subjects=(*PARTICIPANTS, Subject.COORDINATOR),
    identifies="mentor mentee created_by",
    groups=[
        plain("id cohort", ROW + " The cohort."),
        fields(
            "mentor mentee kind created_by created_at",
            "The two people, the rule, who made it and when.",
            RUN,
            P.PERSONAL,
        ),
        fields("reason", "Why (free text, such as a conflict of interest).", RUN, P.CONFIDENTIAL),
    ],
)

declare(
    "matching.Run",
    activity=Activity.MATCHING,
    purpose="One proposal of pairs for a cohort, computed by the worker; one run is published.",
    retention=Keep.PARTICIPANT,
    seen_by=COORDINATORS,
    subjects=(Subject.COORDINATOR,),
    identifies="created_by published_by",
    groups=[
        plain(
            "id cohort number mode include_unready based_on status progress step claimed_by "
            "claimed_until attempts started_at finished_at error settings_used "
            "mentors_considered mentees_considered matched total_score min_score scores solver "
            "edited_at version published_at",
            "The run: how it was asked for, the worker's progress and lease, the settings it "
            "used and what it found, in numbers.",
        ),
        fields(
            "created_by created_at published_by",
            "Which coordinators asked for it (and when) and published it.",
            RUN,
            P.PERSONAL,
        ),
    ],
)

declare(
    "matching.Proposal",
    activity=Activity.MATCHING,
    purpose="One proposed pair in a run, with its score and the reasons for it.",
    retention=Keep.PARTICIPANT,
    seen_by=COORDINATORS,
    subjects=PARTICIPANTS,
    identifies="mentor mentee",
    groups=[
        plain("id run", ROW + " The run."),
        fields(
            "mentor mentee score source",
            "The two people, their score and how the pair came about.",
            RUN,
            P.PERSONAL,
        ),
        fields("reasons warnings", REASONS, RUN, P.CONFIDENTIAL, may_reveal_special=True),
    ],
)

declare(
    "matching.Unmatched",
    activity=Activity.MATCHING,
    purpose="Someone a run could not pair, and why.",
    retention=Keep.PARTICIPANT,
    seen_by=COORDINATORS,
    subjects=PARTICIPANTS,
    identifies="user",
    groups=[
        plain("id run", ROW + " The run."),
        fields(
            "user role reason detail",
            "Who was left unpaired, in which role, and why.",
            RUN,
            P.PERSONAL,
        ),
    ],
)

declare(
    "matching.Pair",
    activity=Activity.MATCHING,
    purpose="A mentor and a mentee working together in a cohort.",
    retention=Keep.PARTICIPANT,
    seen_by=(
        "The two partners (each other's shared profile, not the score's reasons); the cohort's "
        "coordinators."
    ),
    subjects=(*PARTICIPANTS, Subject.COORDINATOR),
    identifies="mentor mentee created_by",
    groups=[
        plain("id cohort run", ROW + " The cohort and the run it came from."),
        fields(
            "mentor mentee score status started_at created_by ended_at",
            "The two people, their score, whether the pair is active, who made it and when it "
            "started and ended.",
            RUN,
            P.PERSONAL,
        ),
        fields("reasons", REASONS, RUN, P.CONFIDENTIAL, may_reveal_special=True),
        fields(
            "end_reason",
            "Why a coordinator ended it early (free text).",
            RUN,
            P.CONFIDENTIAL,
            may_reveal_special=True,
        ),
    ],
)

declare(
    "matching.PairCount",
    activity=Activity.MATCHING,
    purpose="A cohort's pairs active and ended and its people without a pair, counted and kept.",
    retention=Keep.COHORT_FIGURES,
    seen_by=COORDINATORS,
    groups=[
        plain("generation counted_generation counted_at", KEPT),
        plain("cohort active ended unpaired", "The cohort and its counts."),
    ],
)

declare(
    "matching.PastPair",
    activity=Activity.MATCHING,
    purpose=(
        "Two people once paired in an organisation, as keyed hashes of their email addresses, "
        "so they are not paired again after the earlier cohort's people are deleted."
    ),
    retention=Keep.PAST_PAIRS,
    seen_by="Nobody: matching compares hashes only.",
    subjects=PARTICIPANTS,
    identifies="mentor_digest mentee_digest",
    groups=[
        plain("id organisation created_at", ROW + " The organisation, and when it was recorded."),
        fields(
            "mentor_digest mentee_digest",
            "HMAC-SHA256 of each email address with the secret key: the address cannot be read "
            "back, only recognised when given again.",
            Basis.LEGITIMATE_INTERESTS,
            P.HASHED,
        ),
    ],
)


# --- Subject access: how these tables' rows about a person are found ----------------------


def _past_pairs_of(person: Any, found: Any) -> Q | None:
    """A past pair holds only keyed hashes of the two addresses: the person's are worked out
    for each organisation they belong to, under every key in use."""
    from flipside.schemes.models import Organisation

    from .models import PastPair

    if not person.email:
        return None
    digests = [
        digest
        for organisation_id in Organisation.objects.values_list("pk", flat=True)
        for digest in PastPair.digests(organisation_id, person.email)
    ]
    return Q(mentor_digest__in=digests) | Q(mentee_digest__in=digests)


rule("matching.PastPair", find=_past_pairs_of, finds=("mentor_digest", "mentee_digest"))
