import Gate

/// Renders an `ExportDocument` as one self-contained HTML5 page: inline CSS, inline SVG, no
/// scripts, nothing fetched from elsewhere.
enum HTMLRenderer {
    static func render(_ document: ExportDocument) -> String {
        var lines = [
            "<!DOCTYPE html>",
            "<html lang=\"en\">",
            "<head>",
            "<meta charset=\"utf-8\">",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
            "<title>\(Markup.escape("miaudit report: \(document.title) (\(badgeText(document.outcome)))"))</title>",
            "<style>",
            HTMLStyle.css,
            "</style>",
            "</head>",
            "<body>",
        ]
        lines += header(document)
        lines.append("<nav><ul>" + document.sections.map { "<li><a href=\"#\($0.id)\">\(Markup.escape($0.title))</a></li>" }.joined() + "</ul></nav>")
        lines.append("<main>")
        for section in document.sections { lines += render(section) }
        lines += ["</main>", "</body>", "</html>"]
        return lines.joined(separator: "\n") + "\n"
    }

    static func badgeText(_ outcome: RuleOutcome) -> String { outcome.rawValue.uppercased() }

    private static func header(_ document: ExportDocument) -> [String] {
        let tone = ExportTone(document.outcome).rawValue
        return [
            "<header class=\"verdict-\(tone)\">",
            "<p class=\"kicker\">miaudit audit report</p>",
            "<h1>\(Markup.escape(document.title))</h1>",
            "<div class=\"verdict\"><span class=\"badge badge-\(tone)\">\(badgeText(document.outcome))</span>",
            "<p class=\"verdict-sentence\">\(Markup.escape(document.verdictSentence))</p></div>",
            "<p class=\"subtitle\">\(Markup.escape(document.subtitle))</p>",
            "</header>",
        ]
    }

    private static func render(_ section: ExportSection) -> [String] {
        ["<section id=\"\(Markup.escape(section.id))\">", "<h2>\(Markup.escape(section.title))</h2>"]
            + section.blocks.flatMap(render) + ["</section>"]
    }

    private static func render(_ block: ExportBlock) -> [String] {
        switch block {
        case let .heading(text):
            return ["<h3>\(Markup.escape(text))</h3>"]
        case let .paragraph(text):
            return ["<p>\(Markup.escape(text))</p>"]
        case let .note(text, tone):
            return ["<p class=\"note note-\(tone.rawValue)\">\(Markup.escape(text))</p>"]
        case let .table(table):
            return render(table)
        case let .figures(figures):
            return ["<div class=\"figures\">"] + figures.flatMap { figure in
                ["<figure>", figure.svg, "<figcaption>\(Markup.escape(figure.caption))</figcaption>", "</figure>"]
            } + ["</div>"]
        case let .preformatted(text):
            return ["<pre>\(Markup.escape(text))</pre>"]
        }
    }

    private static func render(_ table: ExportTable) -> [String] {
        var lines = ["<div class=\"table-wrap\"><table>", "<thead><tr>" + table.headers.map { "<th>\(Markup.escape($0))</th>" }.joined() + "</tr></thead>",
                     "<tbody>"]
        for row in table.rows {
            lines.append("<tr>" + row.map(render).joined() + "</tr>")
        }
        lines += ["</tbody>", "</table></div>"]
        return lines
    }

    private static func render(_ cell: ExportCell) -> String {
        var text = Markup.escape(cell.text)
        if cell.code { text = "<code>\(text)</code>" }
        if let tone = cell.tone { text = "<span class=\"pill pill-\(tone.rawValue)\">\(text)</span>" }
        return "<td>\(text)</td>"
    }
}
