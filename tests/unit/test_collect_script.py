"""scripts/collect-bundle.sh writes every bundle file netdoctor knows (snapshot/files.py)."""

from __future__ import annotations

from netdoctor.snapshot import files
from tests.conftest import REPO


def test_the_collect_script_writes_every_bundle_file() -> None:
    script = (REPO / "scripts" / "collect-bundle.sh").read_text(encoding="utf-8")
    written = [rel for rel in files.ALL_FILES if f'"$OUT/{rel}"' in script]
    lists = 'PL="$OUT/aws/ec2-describe-managed-prefix-lists.json"' in script
    missing = set(files.ALL_FILES) - set(written) - ({files.AWS_PREFIX_LISTS} if lists else set())
    if 'SR="$OUT/aws/ec2-describe-subnet-cidr-reservations.json"' in script:
        missing.discard(files.AWS_SUBNET_CIDR_RESERVATIONS)
    assert missing == set()
