import Foundation

/// The histogram behind `SVGChart.histogram`: D_f and D_h densities as overlaid translucent bars
/// on shared bins, with a legend above the plot.
struct HistogramChart {
    let edges: [Double]
    let forget: [Int]
    let holdout: [Int]
    let title: String

    static let width = 360.0
    static let area = PlotArea(left: 54, top: 52, width: 292, height: 160)
    static var height: Double { area.bottom + 44 }
    static let forgetColor = "#0072B2"
    static let holdoutColor = "#E69F00"

    /// Whether the input has the shape the plot needs: ≥ 2 finite increasing edges and one count per bin.
    var isValid: Bool {
        edges.count >= 2 && forget.count == edges.count - 1 && holdout.count == edges.count - 1
            && edges.allSatisfy(\.isFinite) && zip(edges, edges.dropFirst()).allSatisfy { $0 < $1 }
            && (forget + holdout).allSatisfy { $0 >= 0 }
    }

    var forgetDensities: [Double] { SVGChart.densities(counts: forget, edges: edges) }
    var holdoutDensities: [Double] { SVGChart.densities(counts: holdout, edges: edges) }

    /// The step between y ticks and the top of the y axis: the largest density rounded up to it.
    var yAxis: (step: Double, top: Double) {
        let largest = (forgetDensities + holdoutDensities).max() ?? 0
        guard largest > 0 else { return (0.25, 1) }
        let step = NiceScale.step(span: largest, count: 4)
        return (step, NiceScale.ceiling(largest, step: step))
    }

    func svg() -> String {
        let area = Self.area
        var writer = SVGWriter(width: Self.width, height: Self.height, title: title,
                               description: "Density of the LiRA score on the forget set D_f and the holdout set D_h; each set's bars have area 1.")
        writer.rect(x: area.left, y: area.top, width: area.width, height: area.height, attributes: "fill=\"#fff\" stroke=\"#999\"")
        writer.text(title, x: Self.width / 2, y: 16, anchor: "middle", size: 13, bold: true)
        guard isValid else {
            writer.text("no histogram data", x: area.x(0.5), y: area.y(0.5), anchor: "middle")
            return writer.finished()
        }
        drawAxes(&writer)
        drawBars(&writer, densities: forgetDensities, counts: forget, set: "forget", label: "D_f", color: Self.forgetColor)
        drawBars(&writer, densities: holdoutDensities, counts: holdout, set: "holdout", label: "D_h", color: Self.holdoutColor)
        drawLegend(&writer)
        return writer.finished()
    }

    /// The x coordinate of score `value`.
    private func x(_ value: Double) -> Double {
        guard let low = edges.first, let high = edges.last, high > low else { return Self.area.left }
        return Self.area.x((value - low) / (high - low))
    }

    private func drawBars(_ writer: inout SVGWriter, densities: [Double], counts: [Int], set: String, label: String, color: String) {
        let area = Self.area, top = yAxis.top
        for (index, density) in densities.enumerated() {
            let height = density / top * area.height
            let left = x(edges[index]), right = x(edges[index + 1])
            let closing = index == densities.count - 1 ? "]" : ")"
            let tooltip = "\(label): [\(ExportFormat.fixed(edges[index])), \(ExportFormat.fixed(edges[index + 1]))\(closing) "
                + "count \(counts[index]), density \(ExportFormat.fixed(density))"
            writer.rect(x: left, y: area.bottom - height, width: right - left, height: height,
                        attributes: "class=\"bar \(set)\" fill=\"\(color)\" fill-opacity=\"0.45\" stroke=\"\(color)\" stroke-width=\"0.8\"",
                        tooltip: tooltip)
        }
    }

    private func drawAxes(_ writer: inout SVGWriter) {
        let area = Self.area
        guard let low = edges.first, let high = edges.last else { return }
        let xStep = NiceScale.step(span: high - low, count: 5)
        for tick in NiceScale.ticks(low: low, high: high, step: xStep) {
            writer.line(x(tick), area.bottom, x(tick), area.bottom + 5, stroke: "#555")
            writer.text(NiceScale.label(tick, step: xStep), x: x(tick), y: area.bottom + 17, anchor: "middle")
        }
        let (yStep, yTop) = yAxis
        for tick in NiceScale.ticks(low: 0, high: yTop, step: yStep) {
            let y = area.y(tick / yTop)
            if tick > 0 { writer.line(area.left, y, area.right, y, stroke: "#e4e4e4") }
            writer.line(area.left - 5, y, area.left, y, stroke: "#555")
            writer.text(NiceScale.label(tick, step: yStep), x: area.left - 8, y: y + 4, anchor: "end")
        }
        writer.text("LiRA score φ", x: area.x(0.5), y: area.bottom + 36, anchor: "middle", size: 12)
        writer.text("Density", x: 14, y: area.y(0.5), anchor: "middle", size: 12, rotate: -90)
    }

    private func drawLegend(_ writer: inout SVGWriter) {
        let area = Self.area, y = 34.0
        let entries = [("D_f forget (n = \(forget.reduce(0, +)))", Self.forgetColor),
                       ("D_h holdout (n = \(holdout.reduce(0, +)))", Self.holdoutColor)]
        var left = area.left
        for (label, color) in entries {
            writer.rect(x: left, y: y - 9, width: 12, height: 10,
                        attributes: "fill=\"\(color)\" fill-opacity=\"0.45\" stroke=\"\(color)\" stroke-width=\"0.8\"")
            writer.text(label, x: left + 16, y: y)
            left += 150
        }
    }
}
