"""Writes the stream benchmark's minimal model: 32x32x3 int8 -> global average pool -> dense (6).

    python3 Benchmarks/StreamBenchmark/make_model.py

Its inference costs next to nothing, so the serial line is the bottleneck: what the benchmark
measures with it is the protocol's use of the line. Weights are fixed pseudo-random values.
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "hilmodel"))
from hilmodel import FullyConnected, GlobalAvgPool, Model  # noqa: E402

rng = np.random.default_rng(0)
dense = FullyConnected.from_float(rng.normal(0, 1, (6, 3)), rng.normal(0, 0.1, 6), in_scale=1 / 255, out_scale=0.05, out_zero_point=0)
blob = Model("stream-bench-pool-dense", (32, 32, 3), 1 / 255, -128, [f"c{i}" for i in range(6)], [GlobalAvgPool(), dense]).to_bytes()
with open(os.path.join(HERE, "pool-dense-32x32x3.hilm"), "wb") as f:
    f.write(blob)
print(f"pool-dense-32x32x3.hilm: {len(blob)} bytes")
