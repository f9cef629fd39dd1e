"""Queue depths, read from the database when Prometheus scrapes, so every worker reports the
same figure and nothing is shared between processes."""

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from ..services import dfe_outbox, mail


class QueueDepths(Collector):
    def collect(self):
        yield GaugeMetricFamily("assessment_mail_outbox_depth",
                                "Emails waiting to be sent (not sent, not set aside)",
                                value=mail.waiting())
        yield GaugeMetricFamily("assessment_dfe_outbox_depth",
                                "Calls waiting to be sent to the DfE (declarations and voids)",
                                value=dfe_outbox.waiting())
