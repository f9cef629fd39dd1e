"""Queue depths, read from the database when Prometheus scrapes, so every worker reports the
same figure and nothing is shared between processes."""

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from ..services import mail


def dfe_waiting() -> int:
    """Declarations waiting to go to the DfE. The hook for the DfE outbox: it reads 0 until
    that outbox exists, then counts its unsent rows as mail.waiting() does the email's."""
    return 0


class QueueDepths(Collector):
    def collect(self):
        yield GaugeMetricFamily("assessment_mail_outbox_depth",
                                "Emails waiting to be sent (not sent, not set aside)",
                                value=mail.waiting())
        yield GaugeMetricFamily("assessment_dfe_outbox_depth",
                                "Declarations waiting to be sent to the DfE", value=dfe_waiting())
