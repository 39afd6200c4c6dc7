"""Split a class's grading into shards, so that several machines (Kubernetes pods) grade it at once.

``dlcourse grade ... --shard K/N`` grades shard K (counted from 0) of N. Every pod of a
grading Job plans the same class from the same snapshot of the course, so each computes
the same sorted list of submissions and takes every N-th of it, starting at K: the N
shards are a partition of the class (each submission graded exactly once), and the
same class always splits the same way. Sorting by assignment first deals each
assignment's submissions round-robin over the shards, so every shard gets its share of
the slow ones (the CNN) rather than one shard getting all of them.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass

_SHARD = re.compile(r"(\d+)/(\d+)")


@dataclass(frozen=True)
class Shard:
    index: int
    count: int

    def __str__(self):
        return f"{self.index}/{self.count}"


def parse(text: str) -> Shard:
    """``"K/N"`` as a Shard; an ``argparse`` type, so a bad value is a usage error naming it."""
    match = _SHARD.fullmatch(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"must be K/N (shard K of N, counted from 0, e.g. 0/4), got '{text}'")
    index, count = int(match[1]), int(match[2])
    if count < 1:
        raise argparse.ArgumentTypeError(f"needs at least 1 shard, got '{text}'")
    if index >= count:
        raise argparse.ArgumentTypeError(f"shard index must be below the shard count (0 to {count - 1}), got '{text}'")
    return Shard(index, count)


def job_key(job) -> tuple[str, str, str]:
    """What identifies a grading job across machines: the submission, not where the course was copied to."""
    if job.in_gradebook:
        return (job.assignment, job.student, "")
    return (job.assignment or "", job.student or "", str(job.notebooks[0]))


def select(jobs: list, shard: Shard | None) -> list:
    """The jobs of ``shard`` (all of them without one)."""
    if shard is None:
        return list(jobs)
    ordered = sorted(jobs, key=job_key)
    return ordered[shard.index::shard.count]
