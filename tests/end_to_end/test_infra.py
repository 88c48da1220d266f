"""infra/ (issue 7): the bucket definition and the three roles' IAM policies, parsed and evaluated
with IAM's rules: an explicit Deny wins, an Allow must match action and resource, anything else is
denied. Conditions are evaluated for the keys these policies use (aws:SecureTransport, s3:prefix)."""

import fnmatch
import json
from pathlib import Path

import pytest
import yaml

INFRA = Path(__file__).resolve().parents[2] / "infra"
AUDIT, EXPORTS = "arn:aws:s3:::slm-audit", "arn:aws:s3:::slm-exports"
SNAPSHOT_OBJECT = f"{AUDIT}/snapshots/000001-2026-10/manifest.json"
EXPORT_OBJECT = f"{EXPORTS}/exports/marts/fct_sli_daily/period=2026-10/part-0.parquet"
# every S3 action that writes, deletes or loosens anything
WRITES = ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectRetention",
          "s3:PutObjectLegalHold", "s3:BypassGovernanceRetention", "s3:PutBucketObjectLockConfiguration",
          "s3:PutBucketVersioning", "s3:PutLifecycleConfiguration", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy",
          "s3:DeleteBucket", "s3:PutObjectAcl", "s3:PutBucketAcl"]
NEVER_FOR_WRITER = [a for a in WRITES if a != "s3:PutObject"]


def policy(name: str) -> dict:
    return json.loads((INFRA / "iam" / f"{name}.json").read_text())


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def _conditions_hold(condition: dict, context: dict) -> bool:
    for operator, tests in condition.items():
        for key, expected in tests.items():
            actual = context.get(key)
            if actual is None:
                return False
            if operator == "StringLike" and not any(fnmatch.fnmatchcase(actual, p) for p in _listed(expected)):
                return False
            if operator == "Bool" and str(actual).lower() != str(expected).lower():
                return False
    return True


def decide(doc: dict, action: str, resource: str, **context) -> bool:
    """True when the policy allows the request."""
    allowed = False
    for st in doc["Statement"]:
        if not any(fnmatch.fnmatchcase(action, a) for a in _listed(st["Action"])):
            continue
        if not any(fnmatch.fnmatchcase(resource, r) for r in _listed(st["Resource"])):
            continue
        if not _conditions_hold(st.get("Condition", {}), context):
            continue
        if st["Effect"] == "Deny":
            return False
        allowed = True
    return allowed


@pytest.mark.parametrize("name", ["pipeline-writer", "compliance-reader", "bi-reader", "legal-hold-manager"])
def test_policies_are_well_formed(name):
    doc = policy(name)
    assert doc["Version"] == "2012-10-17"
    for st in doc["Statement"]:
        assert st["Effect"] in ("Allow", "Deny") and st["Action"] and st["Resource"]
        assert all(a.startswith("s3:") for a in _listed(st["Action"]))
        assert "*" not in _listed(st["Action"])  # no blanket grants


def test_the_pipeline_writer_puts_but_never_deletes_or_loosens_the_lock():
    doc = policy("pipeline-writer")
    assert decide(doc, "s3:PutObject", SNAPSHOT_OBJECT)
    assert decide(doc, "s3:GetObjectVersion", SNAPSHOT_OBJECT)
    assert decide(doc, "s3:ListBucketVersions", AUDIT)
    assert decide(doc, "s3:PutObject", EXPORT_OBJECT)
    for action in NEVER_FOR_WRITER:
        for resource in (AUDIT, SNAPSHOT_OBJECT, EXPORTS, EXPORT_OBJECT):
            assert not decide(doc, action, resource), (action, resource)
    # outside its prefixes it writes nothing
    assert not decide(doc, "s3:PutObject", f"{AUDIT}/elsewhere/x")
    assert not decide(doc, "s3:PutObject", "arn:aws:s3:::another-bucket/x")


def test_the_compliance_reader_only_gets_and_lists():
    doc = policy("compliance-reader")
    for action in ("s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectRetention", "s3:GetObjectLegalHold"):
        assert decide(doc, action, SNAPSHOT_OBJECT)
    assert decide(doc, "s3:ListBucket", AUDIT) and decide(doc, "s3:ListBucketVersions", AUDIT)
    for action in WRITES:
        for resource in (AUDIT, SNAPSHOT_OBJECT):
            assert not decide(doc, action, resource), action
    assert all(st["Effect"] == "Allow" and all(a.startswith(("s3:Get", "s3:List")) for a in _listed(st["Action"]))
               for st in doc["Statement"])


def test_the_legal_hold_manager_holds_and_records_but_never_deletes_or_shortens():
    doc = policy("legal-hold-manager")
    assert decide(doc, "s3:PutObjectLegalHold", SNAPSHOT_OBJECT)
    assert decide(doc, "s3:PutObject", f"{AUDIT}/snapshots/_legal-holds/000001-2026-10/2026-11-23T101500.json")
    assert not decide(doc, "s3:PutObject", SNAPSHOT_OBJECT)  # it cannot write snapshot content
    for action in [a for a in WRITES if a not in ("s3:PutObject", "s3:PutObjectLegalHold")]:
        for resource in (AUDIT, SNAPSHOT_OBJECT):
            assert not decide(doc, action, resource), action


def test_the_bi_reader_sees_the_published_marts_only():
    doc = policy("bi-reader")
    assert decide(doc, "s3:GetObject", EXPORT_OBJECT)
    assert decide(doc, "s3:ListBucket", EXPORTS, **{"s3:prefix": "exports/marts/fct_sli_daily/"})
    assert not decide(doc, "s3:ListBucket", EXPORTS, **{"s3:prefix": "lake/"})
    assert not decide(doc, "s3:ListBucket", EXPORTS)  # listing the whole bucket
    assert not decide(doc, "s3:GetObject", SNAPSHOT_OBJECT)
    assert not decide(doc, "s3:GetObject", f"{EXPORTS}/lake/events/day=2026-10-01/events.parquet")
    for action in WRITES:
        assert not decide(doc, action, EXPORT_OBJECT), action


class _CloudFormationLoader(yaml.SafeLoader):
    pass


for _tag in ("!Ref", "!Sub", "!GetAtt"):
    _CloudFormationLoader.add_constructor(_tag, lambda loader, node, tag=_tag: {tag: loader.construct_scalar(node)})


def test_the_audit_bucket_is_locked_in_compliance_mode_versioned_and_tls_only():
    template = yaml.load((INFRA / "bucket.yaml").read_text(), Loader=_CloudFormationLoader)
    audit = template["Resources"]["AuditBucket"]["Properties"]
    assert audit["ObjectLockEnabled"] is True
    lock = audit["ObjectLockConfiguration"]
    assert lock["ObjectLockEnabled"] == "Enabled"
    assert lock["Rule"]["DefaultRetention"]["Mode"] == "COMPLIANCE"
    assert lock["Rule"]["DefaultRetention"]["Years"] == {"!Ref": "RetentionYears"}
    assert template["Parameters"]["RetentionYears"]["Default"] == 7
    assert audit["VersioningConfiguration"]["Status"] == "Enabled"
    assert all(audit["PublicAccessBlockConfiguration"].values())
    assert template["Resources"]["AuditBucket"]["DeletionPolicy"] == "Retain"
    for bucket_policy in ("AuditBucketPolicy", "ExportsBucketPolicy"):
        [tls] = [s for s in template["Resources"][bucket_policy]["Properties"]["PolicyDocument"]["Statement"]
                 if s["Sid"] == "TlsOnly"]
        assert (tls["Effect"], tls["Principal"], tls["Action"]) == ("Deny", "*", "s3:*")
        assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        assert len(tls["Resource"]) == 2  # the bucket and its objects
    # the exports bucket is rewritten every run: not locked
    assert "ObjectLockEnabled" not in template["Resources"]["ExportsBucket"]["Properties"]
