"""The factwatch benchmark: how close a check pass runs to the machine's limit.

``python -m bench`` (``make bench``) serves a generated corpus from a
separate process, measures the floors (fetch only; fetch + parse + hash),
runs three factwatch passes through the real pipeline and database, and
prints a markdown table (also written to ``bench/results/latest.json``).
"""
