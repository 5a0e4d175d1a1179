"""Path evaluation: can this source reach that destination, and if not, which hop drops it.

`trace()` joins the one set of network facts (addresses, routing, security groups, network
ACLs, prefix lists, CNI settings, endpoint access) into hops, each judged pass/block/unknown
with the rule that decided. Checks whose finding is a path question use the same hops.
"""

from __future__ import annotations

from netdoctor.facts.paths.evaluate import trace
from netdoctor.facts.paths.model import End, Hop, HopKind, HopVerdict, Playbook, Trace, Verdict

__all__ = ["End", "Hop", "HopKind", "HopVerdict", "Playbook", "Trace", "Verdict", "trace"]
