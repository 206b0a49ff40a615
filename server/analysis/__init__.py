"""Per-turn analysers that fill the context package, fast and without an LLM.

The contract every analyser follows: ``update(package, turn)`` is called once for
each new turn, in order, after ``turn`` has been appended to ``package.transcript``.
It mutates the package in place (adds facts, statements, commitments, steps,
sentiment points ...), each item naming the turn ids that support it. It must be
cheap (well under a millisecond for rule-based work) and must never raise on odd
text: analysis is best effort, storage is what is acknowledged.
"""
