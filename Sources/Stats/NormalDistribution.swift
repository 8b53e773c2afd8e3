import Foundation

/// The normal distribution N(μ, σ²): log density, CDF and quantile.
public enum NormalDistribution {
    /// log(√(2π)), as in scipy.stats.norm.
    static let logSquareRootTwoPi = log((2 * Double.pi).squareRoot())

    /// log N(x; μ, σ²) = −z²/2 − log √(2π) − log σ with z = (x − μ)/σ, evaluated in scipy.stats.norm's
    /// order so it agrees with `norm.logpdf(x, mean, sd)` to the last bits. σ > 0.
    public static func logDensity(_ x: Double, mean: Double, standardDeviation: Double) -> Double {
        let z = (x - mean) / standardDeviation
        return -z * z / 2.0 - logSquareRootTwoPi - log(standardDeviation)
    }

    /// Φ(z), the standard normal CDF, via erfc (accurate in both tails).
    public static func cdf(_ z: Double) -> Double {
        0.5 * erfc(-z / 2.0.squareRoot())
    }

    /// log(1 − Φ(z)) = log Φ(−z), the log survival function, accurate far into the upper tail
    /// (scipy's `norm.logsf` / `special.log_ndtr(-z)`): erfc up to z = 30, beyond it the
    /// asymptotic series −z²/2 − log z − log √(2π) + log(1 − 1/z² + 3/z⁴ − 15/z⁶ + 105/z⁸),
    /// whose truncation error there is below 1e-13 relative.
    public static func logSurvival(_ z: Double) -> Double {
        if z.isNaN { return .nan }
        if z <= 30 { return log(0.5 * erfc(z / 2.0.squareRoot())) }
        let w = 1 / (z * z)
        return -z * z / 2 - log(z) - logSquareRootTwoPi + log(1 - w * (1 - w * (3 - w * (15 - 105 * w))))
    }

    /// Φ⁻¹(p), the standard normal quantile: Acklam's rational approximation (relative error
    /// 1.2e-9) refined by one Halley step on erfc, giving full double precision; the upper tail as
    /// −Φ⁻¹(1 − p). p in [0, 1].
    public static func quantile(_ p: Double) -> Double {
        if p.isNaN || p < 0 || p > 1 { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        let low = 0.02425
        // The upper tail by symmetry: 1 − p is exact there (Sterbenz), and the lower tail keeps
        // full precision where Φ(x) − p would cancel.
        if p > 1 - low { return -quantile(1 - p) }
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                 -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        var x: Double
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else {
            let q = p - 0.5, r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        }
        // Halley refinement: e = Φ(x) − p, u = e·√(2π)·exp(x²/2).
        let e = cdf(x) - p
        let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }
}
