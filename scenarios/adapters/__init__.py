"""Adapters from public benchmark formats to problem documents.

- :mod:`scenarios.adapters.sbpo`: SBPO 2025 wave order picking instances (real orders and
  stock; times, teams and priorities drawn from a seeded rng).
- :mod:`scenarios.adapters.falkenauer`: Falkenauer bin packing instances, mapped so that
  zero backlog is feasible exactly when the items fit in the given number of bins.
"""

from scenarios.adapters.falkenauer import (
    SECONDS_PER_SIZE_UNIT,
    BinPackingInstance,
    bin_packing_problem,
    default_num_bins,
    falkenauer_problem,
    read_falkenauer,
)
from scenarios.adapters.sbpo import (
    SbpoFormatError,
    SbpoInstance,
    SbpoSpec,
    read_sbpo,
    sbpo_problem,
    split_oversized_lines,
)

__all__ = [
    "SECONDS_PER_SIZE_UNIT",
    "BinPackingInstance",
    "SbpoFormatError",
    "SbpoInstance",
    "SbpoSpec",
    "bin_packing_problem",
    "default_num_bins",
    "falkenauer_problem",
    "read_falkenauer",
    "read_sbpo",
    "sbpo_problem",
    "split_oversized_lines",
]
