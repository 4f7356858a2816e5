#!/usr/bin/env python3
"""Fits the piecewise polynomial of the normal distribution function Phi(x) behind VectorMath.Gelu.

GELU(x) = x * Phi(x). On the clamped range x in [-CLAMP, CLAMP] the kernel computes k = round(x * SCALE) in
-7..7 (the low four bits of k index a 16-entry coefficient table held in registers) and r = x * SCALE - k in
[-1/2, 1/2], then Phi(x) ~ c0[k] + r * (c1[k] + r * (... + r * cD[k])) by Horner's rule with FMAs.

Each piece is a minimax fit of absolute error (Lawson's iteratively reweighted least squares on a dense grid, in
float64: the fit's own error, ~1e-9, is far below float32 rounding). The coefficients are then rounded to float32
one at a time, from c0 up, and the remaining ones refit each time so that they absorb the rounding. The script
prints the C# tables (paste them into Electra.Cpu/Kernels/GeluPieces.cs, between the generated-code markers) and the worst error of a float32 emulation
of the kernel on a dense grid. The authoritative check is the C# test over every float in [-20, 20]
(VectorMathTests.GeluIsWithinItsBoundOverEveryFloat with ELECTRA_EXHAUSTIVE_GELU=1).

Regenerate: /usr/bin/python3 tools/fit_gelu_pieces.py [degree]   (needs numpy only; uses math.erf)
"""
import math
import sys

import numpy as np

DEGREE = int(sys.argv[1]) if len(sys.argv) > 1 else 6
SCALE = 1.40625          # 45/32, exact in float32: pieces 0.711 wide
CLAMP = 5.3              # 1 - Phi(5.3) = 5.8e-8; CLAMP * SCALE = 7.45 < 7.5 keeps k within -7..7
NEGATIVE_CLAMP = 5.5     # -5.5 * SCALE = -7.73: k = -8 below -5.333, the all-zero entry 8 (Phi taken as 0, GELU -0);
                         # piece -7, fitted down to -CLAMP, runs on to -5.333
PIECES = range(-7, 8)

erf = np.vectorize(math.erf)


def phi(x):
    return 0.5 + 0.5 * erf(np.asarray(x, dtype=np.float64) / math.sqrt(2.0))


def f32(v):
    return float(np.float32(v))


def piece_range(k):
    """The r range piece k covers: the whole [-1/2, 1/2] except at the ends of the clamped range."""
    lo, hi = -0.5, 0.5
    hi = min(hi, CLAMP * SCALE - k)
    lo = max(lo, -CLAMP * SCALE - k)
    return lo, hi


def lawson(r, target, fixed, free_degrees, iterations=200):
    """Minimax (absolute error) fit of target - sum(fixed) by the monomials in free_degrees."""
    residual = target - sum(c * r ** d for d, c in fixed.items())
    basis = np.stack([r ** d for d in free_degrees], axis=1)
    w = np.ones_like(r) / len(r)
    for _ in range(iterations):
        sw = np.sqrt(w)
        coef, *_ = np.linalg.lstsq(basis * sw[:, None], residual * sw, rcond=None)
        err = np.abs(basis @ coef - residual)
        w = w * err
        w /= w.sum()
    return dict(zip(free_degrees, coef))


def fit_piece(k):
    lo, hi = piece_range(k)
    r = np.linspace(lo, hi, 4001)
    target = phi((k + r) / SCALE)
    fixed = {}
    for d in range(DEGREE + 1):
        free = list(range(d, DEGREE + 1))
        coef = lawson(r, target, fixed, free)
        fixed[d] = f32(coef[d])
    return [fixed[d] for d in range(DEGREE + 1)]


def emulate(x, table):
    """The kernel in float32 (each FMA rounded once: float64 holds the exact products of float32 operands)."""
    x = np.asarray(x, dtype=np.float32)
    xc = np.minimum(np.maximum(x, np.float32(-NEGATIVE_CLAMP)), np.float32(CLAMP))
    magic = np.float32(12582912.0)  # 1.5 * 2^23: adding it rounds to an integer held in the low mantissa bits
    t = (xc.astype(np.float64) * SCALE + np.float64(magic)).astype(np.float32)
    negk = (magic - t).astype(np.float32)
    r = (xc.astype(np.float64) * SCALE + negk.astype(np.float64)).astype(np.float32)
    k = (-negk).astype(np.int64)
    # Rows for k = -8 (all zero: entry 8 of the tables) and -7..7.
    coef = np.array([[0.0] * (DEGREE + 1)] + [table[kk] for kk in PIECES], dtype=np.float32)  # [16, DEGREE+1]
    c = coef[k + 8]
    p = c[:, DEGREE]
    for d in range(DEGREE - 1, -1, -1):
        p = (p.astype(np.float64) * r.astype(np.float64) + c[:, d].astype(np.float64)).astype(np.float32)
    return (x.astype(np.float64) * p.astype(np.float64)).astype(np.float32)


def main():
    table = {k: fit_piece(k) for k in PIECES}
    xs = np.concatenate([np.linspace(-20, 20, 400001), np.linspace(-6, 6, 400001)]).astype(np.float32)
    exact = xs.astype(np.float64) * phi(xs.astype(np.float64))
    err = np.abs(emulate(xs, table).astype(np.float64) - exact) / np.maximum(np.abs(xs.astype(np.float64)), 1e-30)
    worst = int(np.argmax(err))
    print(f"// degree {DEGREE}: worst |error| / |x| of the float32 emulation on a dense grid {err[worst]:.3e} at x = {xs[worst]}")
    # Index i holds piece k = i (0..7) or k = i - 16 (-8..-1): the low four bits of k. Entry 8 (k = -8, every x below
    # -5.333) is 0: Phi is taken as 0 there.
    rows = []
    for d in range(DEGREE + 1):
        row = []
        for i in range(16):
            k = i if i < 8 else i - 16
            row.append(table[k][d] if k in table else 0.0)
        rows.append(row)

    def literals(values):
        lines = [", ".join(f"{v!r}f" for v in values[i:i + 4]) for i in range(0, len(values), 4)]
        return "\n            " + ",\n            ".join(lines)

    # Literal Create calls: the JIT keeps them as constants whatever the tier (static readonly vectors are constants
    # only once their class is initialised, which AggressiveOptimization methods do not wait for).
    for name, part in (("Table", slice(0, 16)), ("Lower", slice(0, 8)), ("Upper", slice(8, 16))):
        width = 512 if name == "Table" else 256
        print(f"    [MethodImpl(MethodImplOptions.AggressiveInlining)]")
        print(f"    public static Vector{width}<float> {name}(int degree) => degree switch")
        print("    {")
        for d in range(DEGREE + 1):
            label = f"{d}" if d < DEGREE else "_"
            print(f"        {label} => Vector{width}.Create({literals(rows[d][part])}),")
        print("    };")
        print()

if __name__ == "__main__":
    main()
