"""The DfE's NPQ lead-provider API (v3): its published contract (openapi/), our course codes
in its terms, a client, and the rules for what we declare. Plain Python: no Flask here."""
