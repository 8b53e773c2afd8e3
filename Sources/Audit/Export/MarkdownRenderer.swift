/// Renders an `ExportDocument` as GitHub Markdown: the same sections and tables as the HTML
/// page, with each group of charts replaced by a pointer to the HTML export.
enum MarkdownRenderer {
    static func render(_ document: ExportDocument) -> String {
        var parts = [
            "# Audit report: \(Markup.markdown(document.title))",
            "**Verdict: \(HTMLRenderer.badgeText(document.outcome))** — \(Markup.markdown(document.verdictSentence))",
            Markup.markdown(document.subtitle),
            "The HTML export of this report has the charts (ROC curves and score histograms).",
        ]
        for section in document.sections {
            parts.append("## \(Markup.markdown(section.title))")
            parts += section.blocks.map(render)
        }
        return parts.joined(separator: "\n\n") + "\n"
    }

    private static func render(_ block: ExportBlock) -> String {
        switch block {
        case let .heading(text):
            return "### \(Markup.markdown(text))"
        case let .paragraph(text):
            return Markup.markdown(text)
        case let .note(text, tone):
            return "> **\(tone == .fail ? "Failure" : "Note"):** \(Markup.markdown(text))"
        case let .table(table):
            return render(table)
        case let .figures(figures):
            return "_\(figures.count) chart\(figures.count == 1 ? "" : "s"): see the HTML export._"
        case let .preformatted(text):
            return Markup.markdownCodeBlock(text)
        }
    }

    private static func render(_ table: ExportTable) -> String {
        let header = "| " + table.headers.map(Markup.markdown).joined(separator: " | ") + " |"
        let rule = "|" + table.headers.map { _ in "---|" }.joined()
        let rows = table.rows.map { row in "| " + row.map(render).joined(separator: " | ") + " |" }
        return ([header, rule] + rows).joined(separator: "\n")
    }

    private static func render(_ cell: ExportCell) -> String {
        let text = Markup.markdown(cell.text)
        guard !text.isEmpty else { return " " }
        switch (cell.code, cell.tone) {
        case (_, .some): return "**\(text)**"
        case (true, nil): return codeSpan(cell.text)
        case (false, nil): return text
        }
    }

    /// `text` as an inline code span; a cell's pipes still need escaping inside it (GitHub tables).
    private static func codeSpan(_ text: String) -> String {
        guard !text.contains("`") else { return Markup.markdown(text) }
        let flattened = text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "|", with: "\\|")
        return "`\(flattened)`"
    }
}
