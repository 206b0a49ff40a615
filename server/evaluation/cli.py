"""`handoff eval`: scores the real pipeline on annotated conversations."""

from __future__ import annotations

import argparse


def register_cli(commands: argparse._SubParsersAction) -> None:
    return None
