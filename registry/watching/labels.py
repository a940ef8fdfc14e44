"""Words for the watching feature's stored codes."""

from registry.i18n import labeller
from registry.watching.workflow import DELIVERY_LABELS, DIGEST_LABELS, DeliveryState, Digest

delivery_label = labeller(DeliveryState, DELIVERY_LABELS)
digest_label = labeller(Digest, DIGEST_LABELS)
