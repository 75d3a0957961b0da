"""Schemathesis hooks of the schemathesis_* tests.

An Idempotency-Key replays the first answer for the same request and refuses (422,
idempotency-key-reused) the same key with another request. Hypothesis draws short keys ("0",
"!") again and again for different bodies, so a schema-valid request would meet a key used
before and Schemathesis would count the 422 against positive data. A valid key is therefore made
unique per request; keys generated to be invalid are sent as generated (they must be 400).
"""

import uuid

import schemathesis
from schemathesis.core.parameters import ParameterLocation


@schemathesis.hook
def before_call(context, case, **kwargs):
    headers = case.headers
    if not headers or "Idempotency-Key" not in headers or case.meta is None:
        return
    info = case.meta.components.get(ParameterLocation.HEADER)
    if info is not None and info.mode.is_negative:
        return
    headers["Idempotency-Key"] = f"st-{uuid.uuid4()}"
