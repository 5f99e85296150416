"""The peers a user would pick instead of our planner, for the benchmark.

Each peer is an engine for :func:`solver.solve.plan_with_engine`:
``run(instance, start, deadline) -> EngineResult``; extra parameters are bound with the
module's factory (``functools.partial``).

- :mod:`scenarios.peers.flat_cpsat`: the textbook flat CP-SAT model, one weighted-sum solve;
- :mod:`scenarios.peers.flat_mip`: the same flat model in PuLP, solved with HiGHS (CBC
  when HiGHS is missing);
- :mod:`scenarios.peers.fifo`: first-in-first-out dispatch, as a waveless WMS releases;
- :mod:`scenarios.peers.timefold`: Timefold Solver for Python, when the optional
  ``timefold`` package (and a JDK 17+) is there; ``available()`` says whether it is.
"""
