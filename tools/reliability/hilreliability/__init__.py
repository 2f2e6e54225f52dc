"""Reliability suites for hild (issue 17): `python3 -m hilreliability crash-loop|api|load`.

Each suite starts the built hild (`.build/debug/hild`, or `--hild PATH`) as a separate process,
measures it the way a client does, prints its figures and exits non-zero when one falls short.
"""
