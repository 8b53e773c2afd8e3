import Foundation

/// The ROC plot behind `SVGChart.roc`: a square plot, the chance diagonal, grid and ticks, one
/// polyline per curve and a legend in the lower right (where a curve above chance never goes).
struct ROCChart {
    let curves: [ROCSeries]
    let scale: ROCScale
    let title: String

    static let width = 440.0
    static let area = PlotArea(left: 58, top: 30, width: 364, height: 364)
    static var height: Double { area.bottom + 48 }

    /// The position of `rate` along an axis, in [0, 1].
    func fraction(_ rate: Double) -> Double {
        switch scale {
        case .linear:
            guard rate.isFinite else { return 0 }
            return min(max(rate, 0), 1)
        case .logLog:
            let minimum = SVGChart.logAxisMinimum
            let clamped = rate.isFinite ? min(max(rate, minimum), 1) : minimum
            return (log10(clamped) - log10(minimum)) / -log10(minimum)
        }
    }

    func svg() -> String {
        let area = Self.area
        let description = scale == .logLog ? SVGChart.logLogClampNote : "Both axes are linear from 0 to 1."
        var writer = SVGWriter(width: Self.width, height: Self.height, title: title, description: description)
        writer.rect(x: area.left, y: area.top, width: area.width, height: area.height, attributes: "fill=\"#fff\" stroke=\"#999\"")
        drawGrid(&writer)
        writer.line(area.x(0), area.y(0), area.x(1), area.y(1), stroke: "#888", dash: "4 4")
        for (index, curve) in curves.enumerated() {
            let style = SVGChart.palette[index % SVGChart.palette.count]
            let points = zip(curve.falsePositiveRates, curve.truePositiveRates).map { (x: area.x(fraction($0)), y: area.y(fraction($1))) }
            writer.polyline(points, stroke: style.color, width: 2, dash: style.dash, label: curve.name)
        }
        drawLabels(&writer)
        drawLegend(&writer)
        return writer.finished()
    }

    /// Major ticks with labels and grid lines; on log axes also unlabelled minor ticks (2–9 × 10^k).
    private func drawGrid(_ writer: inout SVGWriter) {
        let area = Self.area
        let major: [(value: Double, label: String)]
        var minor: [Double] = []
        switch scale {
        case .linear:
            major = stride(from: 0, through: 10, by: 2).map { (Double($0) / 10, NiceScale.label(Double($0) / 10, step: 0.2)) }
        case .logLog:
            major = [(0.001, "0.001"), (0.01, "0.01"), (0.1, "0.1"), (1, "1")]
            minor = [0.001, 0.01, 0.1].flatMap { decade in (2...9).map { Double($0) * decade } }
        }
        for tick in major {
            let f = fraction(tick.value)
            if f > 0, f < 1 {
                writer.line(area.x(f), area.top, area.x(f), area.bottom, stroke: "#e4e4e4")
                writer.line(area.left, area.y(f), area.right, area.y(f), stroke: "#e4e4e4")
            }
            writer.line(area.x(f), area.bottom, area.x(f), area.bottom + 5, stroke: "#555")
            writer.line(area.left - 5, area.y(f), area.left, area.y(f), stroke: "#555")
            writer.text(tick.label, x: area.x(f), y: area.bottom + 17, anchor: "middle")
            writer.text(tick.label, x: area.left - 8, y: area.y(f) + 4, anchor: "end")
        }
        for value in minor {
            let f = fraction(value)
            writer.line(area.x(f), area.bottom, area.x(f), area.bottom + 3, stroke: "#777")
            writer.line(area.left - 3, area.y(f), area.left, area.y(f), stroke: "#777")
        }
    }

    private func drawLabels(_ writer: inout SVGWriter) {
        let area = Self.area
        let suffix = scale == .logLog ? " (log scale)" : ""
        writer.text(title, x: area.x(0.5), y: 18, anchor: "middle", size: 13, bold: true)
        writer.text("False positive rate" + suffix, x: area.x(0.5), y: area.bottom + 38, anchor: "middle", size: 12)
        writer.text("True positive rate" + suffix, x: 16, y: area.y(0.5), anchor: "middle", size: 12, rotate: -90)
    }

    private func drawLegend(_ writer: inout SVGWriter) {
        let area = Self.area
        let entries = curves.map { curve in curve.name + (curve.auc.map { " (AUC \(ExportFormat.fixed($0)))" } ?? "") } + ["chance"]
        let longest = entries.map(\.count).max() ?? 0
        let boxWidth = min(area.width - 16, 40 + 6.2 * Double(longest)), rowHeight = 17.0
        let boxHeight = 8 + rowHeight * Double(entries.count)
        let left = area.right - boxWidth - 8, top = area.bottom - boxHeight - 8
        writer.rect(x: left, y: top, width: boxWidth, height: boxHeight, attributes: "fill=\"#fff\" fill-opacity=\"0.9\" stroke=\"#bbb\"")
        for (index, entry) in entries.enumerated() {
            let y = top + 4 + rowHeight * (Double(index) + 0.5)
            if index < curves.count {
                let style = SVGChart.palette[index % SVGChart.palette.count]
                writer.line(left + 8, y, left + 30, y, stroke: style.color, width: 2, dash: style.dash)
            } else {
                writer.line(left + 8, y, left + 30, y, stroke: "#888", dash: "4 4")
            }
            writer.text(entry, x: left + 36, y: y + 4)
        }
    }
}
