# Schemathesis hooks for test/api/openapi-conformance.test.ts: test data for the few rules that
# OpenAPI 3.0 can state only in words. Each hook touches data the schema already calls valid, so
# what it sends is still a schema-valid request; every check still runs on every response, and
# data the fuzzer made invalid goes out as generated.
#
# - The package upload's body is a signed keysync.ksp/2 file: a schema can only call it binary,
#   and random bytes are no package. A valid body is the real package the test downloaded
#   (KEYSYNC_FUZZ_PACKAGE), with its true digest when the query names one.
# - A join's sponsor must be another member than the one that joins, and a sync's targets must
#   not include its source (the spec says so in their descriptions): a valid body that breaks
#   only that rule is given another sponsor, or its targets without the source.
# - The availability check's `wait` holds the request open up to 120 s while a key is missing,
#   which is every key the fuzzer makes up: a valid wait becomes 0 s, so a run stays bounded;
#   invalid waits are still sent as generated.
import hashlib
import os
import re

import schemathesis
from schemathesis.core.parameters import ParameterLocation

UPLOAD = ("POST", "/v1/clusters/{cluster}/members/{member}/packages")
JOIN = ("POST", "/v1/clusters/{cluster}/members")
SYNC = ("POST", "/v1/clusters/{cluster}/syncs")
AVAILABILITY = ("GET", "/v1/clusters/{cluster}/keys/{keyId}/availability")

with open(os.environ["KEYSYNC_FUZZ_PACKAGE"], "rb") as package_file:
    PACKAGE = package_file.read()
PACKAGE_DIGEST = hashlib.sha256(PACKAGE).hexdigest()


def _valid_at(case, location):
    meta = case.meta
    return meta is not None and not meta.is_negative_at(location)


def _parameter_pattern(case, name):
    """The pattern the spec gives a query parameter, as Python reads the spec's (ASCII) classes."""
    operation = case.operation.schema.raw_schema["paths"][case.operation.path][case.operation.method.lower()]
    for parameter in operation.get("parameters", []):
        if parameter.get("name") == name:
            return re.compile(parameter["schema"]["pattern"], re.ASCII)
    raise KeyError(f"the spec gives {case.operation.path} no parameter {name}")


def _other_member(member):
    return "node2" if member == "node1" else "node1"


@schemathesis.hook
def before_call(context, case, **kwargs):
    operation = (case.operation.method.upper(), case.operation.path)
    if case.method.upper() != operation[0]:
        return
    if operation == UPLOAD and _valid_at(case, ParameterLocation.BODY):
        case.body = PACKAGE
        if case.query and "digest" in case.query and _valid_at(case, ParameterLocation.QUERY):
            case.query["digest"] = PACKAGE_DIGEST
    elif operation == JOIN and isinstance(case.body, dict) and _valid_at(case, ParameterLocation.BODY):
        member = case.body.get("member")
        if isinstance(member, str) and case.body.get("sponsor") == member:
            case.body["sponsor"] = _other_member(member)
    elif operation == SYNC and isinstance(case.body, dict) and _valid_at(case, ParameterLocation.BODY):
        targets = case.body.get("targets")
        if isinstance(targets, list) and case.body.get("source") in targets:
            remaining = [target for target in targets if target != case.body.get("source")]
            if remaining:
                case.body["targets"] = remaining
            else:
                del case.body["targets"]
    elif operation == AVAILABILITY and case.query and isinstance(case.query.get("wait"), str):
        if _parameter_pattern(case, "wait").fullmatch(case.query["wait"]):
            case.query["wait"] = "0"
