"""One synthesizer fit + sample, alone in its own process.

Why a process each: peak RSS (VmHWM of this process, plus any process it forked) and wall times
are then the synthesizer's own, not inflated by earlier runs, the judges or another peer's imports.

    python -m benchmarks.child --peer NAME --train T.parquet --rows N --seed S \
        --out SYN.parquet [--quick]

Writes the synthetic rows to --out and a JSON line with timings to --out + ".json".
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd


def _seed_everything(seed: int) -> None:
    """Peers draw from global RNGs as well as their own; pin them all for repeatable seeds."""
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch

        torch.manual_seed(seed)
    except ImportError:
        pass


def run(peer_name: str, train: Path, rows: int, seed: int, out: Path, quick: bool) -> dict:
    """Fit on train, sample `rows`, write them; return the timings."""
    from benchmarks.peers import PEERS

    df = pd.read_parquet(train)
    _seed_everything(seed)
    model = PEERS[peer_name].build(seed, quick)
    start = time.perf_counter()
    model.fit(df)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    syn = model.sample(rows)
    sample_s = time.perf_counter() - start
    syn.to_parquet(out, index=False)
    return {"fit_s": fit_s, "sample_s": sample_s, "rows": len(syn), "peak_rss_mb": peak_rss_mb()}


def peak_rss_mb() -> float:
    """This process's high-water RSS, or a forked helper's if larger (e.g. a worker pool)."""
    from benchmarks.proc import vm_hwm_kb

    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(vm_hwm_kb(), children) / 1024


def main() -> None:
    """CLI entry; the timings JSON is written last, so its presence means success."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--peer", required=True)
    parser.add_argument("--train", type=Path, required=True)
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    result = run(args.peer, args.train, args.rows, args.seed, args.out, args.quick)
    Path(f"{args.out}.json").write_text(json.dumps(result))


if __name__ == "__main__":
    main()
