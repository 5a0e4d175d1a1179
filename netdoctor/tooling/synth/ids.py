"""Deterministic identifiers in the formats AWS and Kubernetes print."""

from __future__ import annotations

import random

# Kubernetes' rand.String alphabet: no vowels, no 0/1/3, so generated names never spell words.
_K8S_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def rng_for(seed: int, stream: str) -> random.Random:
    """A random stream of its own per stage, so one stage never shifts another's draws."""
    return random.Random(f"netdoctor-synth:{seed}:{stream}")


class IdGen:
    """Makes ids from one seeded stream; AWS ids are guaranteed unique within the generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._used: set[str] = set()

    def hex(self, n: int) -> str:
        """n lowercase hex digits."""
        return f"{self.rng.getrandbits(4 * n):0{n}x}"

    def aws(self, prefix: str) -> str:
        """A 17-digit AWS id such as `eni-0663ef80144d18994`."""
        while True:
            value = f"{prefix}-0{self.hex(16)}"
            if value not in self._used:
                self._used.add(value)
                return value

    def short_aws(self, prefix: str) -> str:
        """An 8-digit id such as `ela-attach-0ea41aee`."""
        while True:
            value = f"{prefix}-{self.hex(8)}"
            if value not in self._used:
                self._used.add(value)
                return value

    def uuid(self) -> str:
        """A version-4 UUID."""
        h = f"{self.rng.getrandbits(128):032x}"
        variant = "89ab"[int(h[16], 16) & 3]
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:32]}"

    def k8s_suffix(self, n: int = 5) -> str:
        """A generated-name suffix, as the ReplicaSet and DaemonSet controllers make."""
        value = self.rng.randrange(len(_K8S_ALPHABET) ** n)  # one draw, not one per letter
        out = []
        for _ in range(n):
            value, digit = divmod(value, len(_K8S_ALPHABET))
            out.append(_K8S_ALPHABET[digit])
        return "".join(out)

    def digits(self, n: int) -> str:
        """n decimal digits, the first non-zero."""
        return str(self.rng.randrange(10 ** (n - 1), 10**n))

    def mac(self) -> str:
        """A locally administered MAC address as EC2 assigns them."""
        b = self.rng.getrandbits(40).to_bytes(5, "big")
        return "02:" + ":".join(f"{x:02x}" for x in b)
