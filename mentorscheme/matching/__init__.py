"""The matching engine: suggestions for one candidate, bulk allocation.

Pure Python, numpy and OR-Tools; no Django. It works on the scheme's plain records
(``mentorscheme.scheme.records``, kept with the rules that read them). Import from the
submodules: ``engine`` (``MentorIndex``, ``suggest``, ``allocate``,
``allocate_greedy``) and ``flow``.
"""
