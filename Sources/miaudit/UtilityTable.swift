import Foundation
import MatchingTask

/// Plain-text rendering of utility figures.
enum UtilityTable {
    static func render(_ rows: [(String, MatchingUtility)]) -> String {
        let nameWidth = max(12, rows.map(\.0.count).max() ?? 0)
        func pad(_ s: String, _ width: Int) -> String { s.padding(toLength: width, withPad: " ", startingAt: 0) }
        var lines = [pad("split", nameWidth) + "  pairs   ITM acc  match  rand-match  I→T R@1   R@5   R@10  T→I R@1   R@5   R@10"]
        for (name, u) in rows {
            let i2t = u.recall.imageToText, t2i = u.recall.textToImage
            lines.append(pad(name, nameWidth) + String(
                format: "  %5d   %.4f   %.3f  %.3f       %.3f   %.3f  %.3f     %.3f   %.3f  %.3f",
                u.examples, u.itmAccuracy, u.matchAccuracy, u.mismatchedMatchRate,
                i2t["1"] ?? 0, i2t["5"] ?? 0, i2t["10"] ?? 0, t2i["1"] ?? 0, t2i["5"] ?? 0, t2i["10"] ?? 0))
        }
        return lines.joined(separator: "\n")
    }

    static func render(_ rows: [(String, ClassificationUtility)]) -> String {
        let nameWidth = max(12, rows.map(\.0.count).max() ?? 0)
        func pad(_ s: String, _ width: Int) -> String { s.padding(toLength: width, withPad: " ", startingAt: 0) }
        var lines = [pad("split", nameWidth) + "   rows  accuracy  mean loss"]
        for (name, u) in rows {
            lines.append(pad(name, nameWidth) + String(format: "  %5d    %.4f     %.4f", u.examples, u.accuracy, u.meanLoss))
        }
        return lines.joined(separator: "\n")
    }
}
