"""Grading on arrival on the hub: each submission graded as it arrives, its feedback released to its student."""
