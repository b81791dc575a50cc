"""Analysis of relulab runs, sweeps and searches: each definition stated once, with a test.

    python -m relulab.analysis collect CSV ROOT...       cells of finished runs into a CSV (merged by hash)
    python -m relulab.analysis seeds CSV... --name N     a table over data seeds (mean ± std)
    python -m relulab.analysis thresholds CSV... --by d,width,seed    brackets and crossings per setting
    python -m relulab.analysis compare CSV... --series LABEL=NAME:PRECISION:OPTIMIZER:ACTIVATION ...
    python -m relulab.analysis precision CSV...          float32 against float64, paired by seed
    python -m relulab.analysis variants SWEEP --variant KEY   a sweep's finals over seeds, per variant
    python -m relulab.analysis approach CSV... --name N  how fast each teacher's test MSE approaches σ²
    python -m relulab.analysis spectrum SWEEP...          whole Hessian spectra: minimum or saddle
    python -m relulab.analysis report [--check]          docs/reproduction.md's tables from their CSVs
    python -m relulab.analysis limit | plateau | flow | eos | clusters ...   (limits.py)
    python -m relulab.analysis lyu A_SWEEP B_RUN C_SWEEP --csv-dir D --figure-dir F

The modules: `cells` (run folders to rows), `threshold` (the bracket rule `[search]` uses), `tables`
(seed, precision and side-by-side tables; Markdown), `figures`, `limits`, `report` and `reproduction`
(the document's tables).
"""
from .cells import LATE, collect, late_median, merge, read, select
from .limits import (DEPARTURE_TOLERANCE, clusters_table, crossing_time, departure, edge_of_stability_table,
                     flow_table, limit_table, plateau_slopes, plateau_table, power_law_exponent)
from .tables import crossings, markdown, over_seeds, paired_precision, seed_table, side_by_side
from .threshold import Bracket, bracket, thresholds

__all__ = ["LATE", "collect", "late_median", "merge", "read", "select", "DEPARTURE_TOLERANCE", "clusters_table",
           "crossing_time", "departure", "edge_of_stability_table", "flow_table", "limit_table", "plateau_slopes",
           "plateau_table", "power_law_exponent", "crossings", "markdown", "over_seeds", "paired_precision",
           "seed_table", "side_by_side", "Bracket", "bracket", "thresholds"]
