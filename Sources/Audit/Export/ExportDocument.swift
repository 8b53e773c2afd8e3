import Gate

/// The content of a report export independent of its format: the HTML and Markdown renderers
/// walk the same document, so both show the same figures in the same order.
struct ExportDocument {
    /// The audit's name.
    var title: String
    var outcome: RuleOutcome
    /// One sentence saying what the verdict means.
    var verdictSentence: String
    /// A line under the title: report id, time, signer.
    var subtitle: String
    var sections: [ExportSection]
}

/// A titled part of the export (`<section>` in HTML, `##` in Markdown).
struct ExportSection {
    /// A stable anchor, e.g. `gate`.
    var id: String
    var title: String
    var blocks: [ExportBlock]
}

/// How a note or cell should stand out.
enum ExportTone: String {
    case pass, fail, inconclusive, warning

    init(_ outcome: RuleOutcome) {
        switch outcome {
        case .pass: self = .pass
        case .fail: self = .fail
        case .inconclusive: self = .inconclusive
        }
    }
}

/// One piece of a section.
enum ExportBlock {
    /// A smaller heading inside a section.
    case heading(String)
    case paragraph(String)
    /// A paragraph that must stand out (a warning, or "not run").
    case note(String, ExportTone)
    case table(ExportTable)
    /// Charts: shown inline by HTML, replaced by a pointer to the HTML export in Markdown.
    case figures([ExportFigure])
    /// Text shown verbatim in a monospaced block.
    case preformatted(String)
}

/// A table of text cells; the first row of `rows` is data, not a header.
struct ExportTable {
    var headers: [String]
    var rows: [[ExportCell]]
}

/// A table cell: text, and optionally a tone (outcomes) or monospaced type (digests).
struct ExportCell: ExpressibleByStringLiteral {
    var text: String
    var tone: ExportTone?
    var code = false

    init(_ text: String, tone: ExportTone? = nil, code: Bool = false) {
        self.text = text
        self.tone = tone
        self.code = code
    }

    init(stringLiteral value: String) { self.init(value) }

    /// A digest, key id or path: monospaced.
    static func code(_ text: String) -> ExportCell { ExportCell(text, code: true) }
}

/// An inline SVG chart and its caption.
struct ExportFigure {
    var svg: String
    var caption: String
}
