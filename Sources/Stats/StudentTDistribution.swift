import Foundation

/// Student's t distribution with ν degrees of freedom: CDF, survival function and quantile.
///
/// Through the regularised incomplete beta function: for t ≥ 0,
///   1 − F(t; ν) = ½ I_{ν/(ν + t²)}(ν/2, ½),
/// and F(−t) = 1 − F(t). The quantile inverts the same relation with `BetaDistribution.quantile`.
/// Agrees with `scipy.stats.t.cdf`, `.sf` and `.ppf` to about 1e-12 relative (see the tests).
public enum StudentTDistribution {
    /// 1 − F(t; ν): the upper-tail probability, accurate far into the tail. ν > 0.
    public static func survival(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(nu > 0, "degrees of freedom must be positive, got \(nu)")
        if t.isNaN { return .nan }
        if t == .infinity { return 0 }
        if t == -.infinity { return 1 }
        let tail = 0.5 * BetaDistribution.cdf(nu / (nu + t * t), alpha: nu / 2, beta: 0.5)
        return t >= 0 ? tail : 1 - tail
    }

    /// F(t; ν), the CDF.
    public static func cdf(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        survival(-t, degreesOfFreedom: nu)
    }

    /// The quantile F⁻¹(p; ν), p in [0, 1]; ±∞ at 0 and 1.
    public static func quantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(nu > 0, "degrees of freedom must be positive, got \(nu)")
        if p.isNaN || p < 0 || p > 1 { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        if p == 0.5 { return 0 }
        // The upper tail 2·min(p, 1 − p) = I_x(ν/2, ½) with x = ν / (ν + t²).
        let tail = 2 * min(p, 1 - p)
        let x = BetaDistribution.quantile(tail, alpha: nu / 2, beta: 0.5)
        let magnitude = (nu * (1 - x) / x).squareRoot()
        return p > 0.5 ? magnitude : -magnitude
    }
}
