import Foundation
@testable import Gate

/// Gold-model values whose numpy percentiles are known: `np.percentile(nullValues, 95)` = 0.5825,
/// `np.percentile(nullValues, 5)` = 0.477 (numpy 2.4, linear interpolation); min 0.47, max 0.6.
let nullValues = [0.51, 0.47, 0.55, 0.49, 0.6, 0.52, 0.5, 0.53]

/// A measurement of `value` with interval [lower, upper] and, optionally, the fixture null.
func measured(_ value: Double, _ lower: Double? = nil, _ upper: Double? = nil, null: Bool = false) -> MeasuredMetric {
    let interval = lower.map { ($0, upper ?? value) }
    return MeasuredMetric(value: value, interval: interval, nullValues: null ? nullValues : nil)
}

/// Decodes a rule from JSON text.
func decodeRule(_ json: String) throws -> GateRule {
    try JSONDecoder().decode(GateRule.self, from: Data(json.utf8))
}

/// The error `body` throws as a `GateError`, or nil.
func gateError(_ body: () throws -> Void) -> GateError? {
    do {
        try body()
        return nil
    } catch let error as GateError {
        return error
    } catch {
        return nil
    }
}
