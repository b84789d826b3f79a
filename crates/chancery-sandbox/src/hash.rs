//! Deterministic mixing: every generated value is a pure function of the seed and a few integers.

/// SplitMix64 finaliser: a fast, well-distributed 64-bit mix.
#[inline]
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hash of a seed and a tuple of integers.
#[inline]
pub(crate) fn h(seed: u64, parts: &[u64]) -> u64 {
    let mut acc = mix(seed ^ 0x5EED_5EED_5EED_5EED);
    for &p in parts {
        acc = mix(acc ^ p.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    }
    acc
}

/// A uniform number in [0, 1) from a hash.
#[inline]
pub(crate) fn unit(x: u64) -> f64 {
    (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Pick an index in `0..n` (n > 0) from a hash.
#[inline]
pub(crate) fn pick(x: u64, n: usize) -> usize {
    if n == 0 {
        return 0;
    }
    ((x >> 16) % n as u64) as usize
}

/// A Poisson-distributed count with mean `mu`, drawn from the uniform `u` (inverse CDF for small
/// means, a normal approximation for large ones). Deterministic for a given `u`.
pub(crate) fn poisson(mu: f64, u: f64) -> u32 {
    if mu <= 0.0 {
        return 0;
    }
    if mu < 30.0 {
        let mut p = (-mu).exp();
        let mut cdf = p;
        let mut k = 0u32;
        while u > cdf && k < 200 {
            k += 1;
            p *= mu / f64::from(k);
            cdf += p;
        }
        k
    } else {
        // Normal approximation via the inverse of the logistic-like rational approximation.
        let z = inv_norm(u.clamp(1e-9, 1.0 - 1e-9));
        let v = mu + z * mu.sqrt();
        if v < 0.0 {
            0
        } else {
            v.round() as u32
        }
    }
}

/// Inverse of the standard normal CDF (Acklam's rational approximation).
pub(crate) fn inv_norm(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let plow = 0.02425;
    if p < plow {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - plow {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_mean_is_close() {
        for mu in [0.5, 4.0, 50.0, 400.0] {
            let n = 20_000u64;
            let sum: u64 = (0..n)
                .map(|i| u64::from(poisson(mu, unit(h(7, &[i])))))
                .sum();
            let mean = sum as f64 / n as f64;
            assert!((mean - mu).abs() < mu * 0.05 + 0.05, "mu {mu} mean {mean}");
        }
    }

    #[test]
    fn hashes_are_stable() {
        assert_eq!(h(1, &[2, 3]), h(1, &[2, 3]));
        assert_ne!(h(1, &[2, 3]), h(1, &[3, 2]));
    }
}
