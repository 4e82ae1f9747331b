"""The caps on how much work one command may ask for, each checked before the work is made
(README "Limits"). Beyond them a request is a typo or a denial of service, not a design study."""

from __future__ import annotations

MAX_BATCH = 2**20  # images per batch (inference or a training iteration's global batch)
MAX_POINTS = 1_000_000  # sweep points, unless --max-points raises it
MAX_WORKERS = 2**20  # training workers of one cluster (Titan had 18,688 nodes)
MAX_SWEEP_WORKERS = 256  # worker processes of one sweep: more only queue on the cores
MAX_TREND_YEARS = 100  # how far ahead a trend projects
MAX_TREND_POINTS = 1_001  # years in one trend (0..100 in steps of 0.1)
MAX_TOKENS = 1_000_000  # prompt or generated tokens of one generation (--context, --tokens)
MAX_LEVELS = 16  # memory levels of one chip (the deepest real hierarchies have 5 or 6)
MAX_ERRORS_LISTED = 20  # problems named in one error line; the rest are counted
