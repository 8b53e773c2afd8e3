import Foundation

/// One ROC curve to plot: (FPR, TPR) points in threshold order, from (0, 0) to (1, 1).
public struct ROCSeries: Equatable, Sendable {
    /// The legend label, e.g. "U-LiRA online".
    public var name: String
    public var falsePositiveRates: [Double]
    public var truePositiveRates: [Double]
    /// Shown in the legend when given.
    public var auc: Double?

    /// A curve; the points are `zip(falsePositiveRates, truePositiveRates)`.
    public init(name: String, falsePositiveRates: [Double], truePositiveRates: [Double], auc: Double? = nil) {
        self.name = name
        self.falsePositiveRates = falsePositiveRates
        self.truePositiveRates = truePositiveRates
        self.auc = auc
    }
}

/// The axes of an ROC plot.
public enum ROCScale: String, Sendable, CaseIterable {
    /// FPR and TPR from 0 to 1.
    case linear
    /// log10 FPR and TPR from `SVGChart.logAxisMinimum` to 1: the low-FPR regime SPEC §6 reports.
    case logLog = "log-log"
}

/// Small, dependency-free SVG charts for report exports.
///
/// Every chart is one `<svg>` element with the SVG namespace, so it is valid inline in HTML5 and
/// parses on its own as XML. Coordinates are printed with 2 decimals and every text is escaped,
/// so the same input always gives the same bytes.
public enum SVGChart {
    /// The smallest rate a log-log ROC plot shows; smaller rates (0 included) are drawn on it.
    public static let logAxisMinimum = 1e-3

    /// The caption sentence a log-log plot needs.
    public static let logLogClampNote = "Both axes are logarithmic from 0.001 to 1; rates below 0.001, including 0, are drawn at 0.001."

    /// An ROC plot of `curves` with the chance diagonal, ticks, axis labels and a legend.
    ///
    /// Each curve is one `<polyline>` with one point per (FPR, TPR) pair. On `.logLog` axes every
    /// rate below `logAxisMinimum` (0 included, and any non-finite rate) is clamped to it.
    public static func roc(_ curves: [ROCSeries], scale: ROCScale, title: String) -> String {
        ROCChart(curves: curves, scale: scale, title: title).svg()
    }

    /// A histogram of two overlaid distributions on shared bin edges: the forget set D_f and the
    /// holdout set D_h, each normalised to a density (see `densities(counts:edges:)`).
    ///
    /// `edges` are increasing; `forget` and `holdout` hold `edges.count − 1` counts each. Input of
    /// any other shape gives an empty plot saying so.
    public static func histogram(edges: [Double], forget: [Int], holdout: [Int], title: String) -> String {
        HistogramChart(edges: edges, forget: forget, holdout: holdout, title: title).svg()
    }

    /// Counts normalised to a density: `counts[i] / (n · (edges[i+1] − edges[i]))` with n the total
    /// count, so the bars' areas sum to 1 and sets of different sizes compare.
    ///
    /// A bin of zero width, or all counts zero, gives density 0. Needs `edges.count == counts.count + 1`;
    /// otherwise every density is 0.
    public static func densities(counts: [Int], edges: [Double]) -> [Double] {
        let total = Double(counts.reduce(0, +))
        guard edges.count == counts.count + 1, total > 0 else { return counts.map { _ in 0 } }
        return counts.indices.map { i in
            let width = edges[i + 1] - edges[i]
            return width > 0 && width.isFinite ? Double(counts[i]) / (total * width) : 0
        }
    }

    /// The line colours, in curve order (Okabe–Ito, readable by colour-blind readers), with a
    /// dash pattern each so the curves stay apart on a grey-scale print.
    static let palette: [(color: String, dash: String?)] = [
        ("#0072B2", nil), ("#D55E00", "6 3"), ("#009E73", "2 2"), ("#CC79A7", "8 3 2 3"), ("#E69F00", "4 4"), ("#56B4E9", "1 3"),
    ]
}

/// A coordinate as charts print it: 2 decimals, never `-0.00`.
func svgNumber(_ value: Double) -> String {
    ExportFormat.fixed(value.isFinite ? value : 0, digits: 2)
}

/// Builds the text of one `<svg>` element line by line.
struct SVGWriter {
    let width: Double
    let height: Double
    private(set) var lines: [String] = []

    /// A document of `width` × `height` user units titled `title` (its `<title>`, for screen readers).
    init(width: Double, height: Double, title: String, description: String? = nil) {
        self.width = width
        self.height = height
        lines.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" width=\"\(svgNumber(width))\" "
            + "height=\"\(svgNumber(height))\" viewBox=\"0 0 \(svgNumber(width)) \(svgNumber(height))\" "
            + "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\">")
        lines.append("<title>\(Markup.escape(title))</title>")
        if let description { lines.append("<desc>\(Markup.escape(description))</desc>") }
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1, dash: String? = nil) {
        let dashing = dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        lines.append("<line x1=\"\(svgNumber(x1))\" y1=\"\(svgNumber(y1))\" x2=\"\(svgNumber(x2))\" y2=\"\(svgNumber(y2))\" "
            + "stroke=\"\(stroke)\" stroke-width=\"\(svgNumber(width))\"\(dashing)/>")
    }

    mutating func rect(x: Double, y: Double, width: Double, height: Double, attributes: String, tooltip: String? = nil) {
        let head = "<rect x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" width=\"\(svgNumber(width))\" height=\"\(svgNumber(height))\" \(attributes)"
        if let tooltip {
            lines.append(head + "><title>\(Markup.escape(tooltip))</title></rect>")
        } else {
            lines.append(head + "/>")
        }
    }

    /// `text` at (x, y); `anchor` is `start`, `middle` or `end`; `rotate` turns it about (x, y).
    mutating func text(_ text: String, x: Double, y: Double, anchor: String = "start", size: Double? = nil, bold: Bool = false,
                       rotate: Double? = nil) {
        var attributes = "x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" text-anchor=\"\(anchor)\""
        if let size { attributes += " font-size=\"\(svgNumber(size))\"" }
        if bold { attributes += " font-weight=\"bold\"" }
        if let rotate { attributes += " transform=\"rotate(\(svgNumber(rotate)) \(svgNumber(x)) \(svgNumber(y)))\"" }
        lines.append("<text \(attributes) fill=\"#222\">\(Markup.escape(text))</text>")
    }

    mutating func polyline(_ points: [(x: Double, y: Double)], stroke: String, width: Double, dash: String?, label: String) {
        let coordinates = points.map { "\(svgNumber($0.x)),\(svgNumber($0.y))" }.joined(separator: " ")
        let dashing = dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        lines.append("<polyline class=\"curve\" data-series=\"\(Markup.escape(label))\" fill=\"none\" stroke=\"\(stroke)\" "
            + "stroke-width=\"\(svgNumber(width))\" stroke-linejoin=\"round\"\(dashing) points=\"\(coordinates)\"/>")
    }

    /// The finished `<svg>` element.
    func finished() -> String { (lines + ["</svg>"]).joined(separator: "\n") }
}

/// The plotting area inside a chart, in user units.
struct PlotArea {
    let left: Double
    let top: Double
    let width: Double
    let height: Double

    var right: Double { left + width }
    var bottom: Double { top + height }

    /// The x coordinate of `fraction` ∈ [0, 1] of the way across.
    func x(_ fraction: Double) -> Double { left + fraction * width }
    /// The y coordinate of `fraction` ∈ [0, 1] of the way up.
    func y(_ fraction: Double) -> Double { bottom - fraction * height }
}

/// Tick positions for an axis from `low` to `high`: multiples of a "nice" step (1, 2, 2.5 or 5
/// times a power of ten) giving about `count` intervals.
enum NiceScale {
    static func step(span: Double, count: Int) -> Double {
        guard span > 0, span.isFinite, count > 0 else { return 1 }
        let raw = span / Double(count)
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let normalised = raw / magnitude
        let factor: Double = normalised <= 1 ? 1 : normalised <= 2 ? 2 : normalised <= 2.5 ? 2.5 : normalised <= 5 ? 5 : 10
        return factor * magnitude
    }

    /// Multiples of `step` within [low, high] (with a small tolerance for rounding).
    static func ticks(low: Double, high: Double, step: Double) -> [Double] {
        guard step > 0, low.isFinite, high.isFinite, high >= low else { return [] }
        let first = (low / step - 1e-9).rounded(.up), last = (high / step + 1e-9).rounded(.down)
        guard first <= last, last - first < 1_000 else { return [] }
        return stride(from: first, through: last, by: 1).map { $0 * step }
    }

    /// The smallest multiple of `step` at or above `value` (tolerating rounding), at least one step.
    static func ceiling(_ value: Double, step: Double) -> Double {
        max(1, (value / step - 1e-9).rounded(.up)) * step
    }

    /// A tick label with as many decimals as `step` needs (at most 4).
    static func label(_ value: Double, step: Double) -> String {
        var decimals = 0
        while decimals < 4, abs(step * pow(10, Double(decimals)) - (step * pow(10, Double(decimals))).rounded()) > 1e-9 { decimals += 1 }
        return ExportFormat.fixed(value, digits: decimals)
    }
}
