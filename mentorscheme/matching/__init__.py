"""The matching engine: suggestions for one candidate, bulk allocation.

Pure Python, numpy and OR-Tools; no Django. Import from the submodules:
``records`` (the plain records), ``engine`` (``MentorIndex``, ``suggest``,
``allocate``, ``allocate_greedy``).
"""
