"""HiGHS through highspy, quiet from the first moment (shared by the MIP engine and bounds)."""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def _quiet_highs_class() -> type[Any]:
    """highspy.Highs with output off from the start (imported only when HiGHS is used).

    highspy's constructor installs its callback dispatcher, and HiGHS prints its banner on
    stdout at that moment unless output is already off; the CLI's plan JSON on stdout
    would start with it.
    """
    import highspy

    class QuietHighs(highspy.Highs):
        def enableCallbacks(self) -> None:  # noqa: N802  # highspy's name
            self.setOptionValue("output_flag", False)
            super().enableCallbacks()  # type: ignore[no-untyped-call]  # highspy: unannotated

    return QuietHighs


def quiet_highs() -> Any:
    """A new highspy.Highs that prints nothing."""
    return _quiet_highs_class()()
