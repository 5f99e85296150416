"""What-if scenarios: a base problem and named variants, planned in parallel and compared.

- :mod:`scenarios.whatif.spec`: the scenario file (pydantic, strict) and its loading;
- :mod:`scenarios.whatif.overrides`: each change kind, applied to a copy of the base;
- :mod:`scenarios.whatif.case`: one run (plan, check, figures, staffing hooks);
- :mod:`scenarios.whatif.runner`: the executors (process pool, Ray, inline) and
  :func:`~scenarios.whatif.runner.run_scenario`;
- :mod:`scenarios.whatif.results`: the results and the comparison with the base;
- :mod:`scenarios.whatif.report`, :mod:`~scenarios.whatif.html`,
  :mod:`~scenarios.whatif.charts`: the tables, ``results.json`` and ``report.html``.

The scenario files of ``docs/whatif.md`` sit next to the modules (``*.yaml``).
"""
