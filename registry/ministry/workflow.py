"""What the ministry's statistics count and how they group time (standard library only).

`Movement` is one kind of event in a certificate's life the statistics count per period;
`Period` the length of those periods; `ExtraEuBand` the bands of a firm's extra-EU share of
traffic. Each has its label table: the page and the downloads show words, never the codes.
"""

from __future__ import annotations

import enum

from registry.wording import N_


class Movement(enum.StrEnum):
    ISSUED = "issued"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    RENOUNCED = "renounced"


class Period(enum.StrEnum):
    MONTH = "month"
    QUARTER = "quarter"


class ExtraEuBand(enum.StrEnum):
    NONE = "none"
    UP_TO_10 = "up_to_10"
    UP_TO_25 = "up_to_25"
    UP_TO_50 = "up_to_50"
    OVER_50 = "over_50"


# band: (lowest share, highest share) in whole percent, both included
EXTRA_EU_BOUNDS = {
    ExtraEuBand.NONE: (0, 0), ExtraEuBand.UP_TO_10: (1, 10), ExtraEuBand.UP_TO_25: (11, 25),
    ExtraEuBand.UP_TO_50: (26, 50), ExtraEuBand.OVER_50: (51, 100),
}

MOVEMENT_LABELS = {
    Movement.ISSUED: N_("rilasci"), Movement.SUSPENDED: N_("sospensioni"),
    Movement.WITHDRAWN: N_("revoche"), Movement.EXPIRED: N_("scadenze"),
    Movement.RENOUNCED: N_("rinunce"),
}
PERIOD_LABELS = {Period.MONTH: N_("per mese"), Period.QUARTER: N_("per trimestre")}
EXTRA_EU_LABELS = {
    ExtraEuBand.NONE: N_("nessun traffico extra UE"), ExtraEuBand.UP_TO_10: N_("fino al 10%"),
    ExtraEuBand.UP_TO_25: N_("dall'11 al 25%"), ExtraEuBand.UP_TO_50: N_("dal 26 al 50%"),
    ExtraEuBand.OVER_50: N_("oltre il 50%"),
}
