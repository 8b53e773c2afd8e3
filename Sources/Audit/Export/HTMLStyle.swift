/// The HTML export's stylesheet: system fonts only, colours that survive printing, and tables
/// that break across pages without splitting rows.
enum HTMLStyle {
    static let css = """
    :root { --pass: #1a7f37; --fail: #cf222e; --amber: #b8860b; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; }
    * { box-sizing: border-box; }
    body { margin: 0 auto; max-width: 1100px; padding: 24px 28px 48px; color: var(--ink);
      font: 14px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
    header { border-left: 10px solid var(--line); padding: 4px 0 8px 18px; margin-bottom: 16px; }
    header.verdict-pass { border-color: var(--pass); }
    header.verdict-fail { border-color: var(--fail); }
    header.verdict-inconclusive { border-color: var(--amber); }
    .kicker { margin: 0; color: var(--muted); text-transform: uppercase; letter-spacing: 0.08em; font-size: 12px; }
    h1 { margin: 2px 0 10px; font-size: 28px; overflow-wrap: anywhere; }
    h2 { margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); font-size: 20px; }
    h3 { margin: 18px 0 6px; font-size: 16px; }
    .verdict { display: flex; align-items: center; gap: 16px; flex-wrap: wrap; }
    .badge { display: inline-block; padding: 8px 22px; border-radius: 8px; font-size: 26px; font-weight: 800;
      letter-spacing: 0.06em; color: #fff; }
    .badge-pass { background: var(--pass); }
    .badge-fail { background: var(--fail); }
    .badge-inconclusive { background: #f0b400; color: #3b2a00; }
    .verdict-sentence { margin: 0; font-size: 17px; font-weight: 600; max-width: 720px; }
    .subtitle { color: var(--muted); margin: 10px 0 0; overflow-wrap: anywhere; }
    nav ul { list-style: none; margin: 0; padding: 8px 0; display: flex; flex-wrap: wrap; gap: 4px 18px; border-bottom: 1px solid var(--line); }
    nav a { color: var(--muted); text-decoration: none; }
    .table-wrap { overflow-x: auto; margin: 8px 0 12px; }
    table { border-collapse: collapse; width: 100%; font-size: 13px; }
    th, td { border: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
    th { background: #f6f8fa; font-weight: 600; }
    td { overflow-wrap: anywhere; }
    tr { break-inside: avoid; }
    code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px; }
    pre { background: #f6f8fa; border: 1px solid var(--line); padding: 12px; white-space: pre-wrap; overflow-wrap: anywhere; }
    .pill { display: inline-block; padding: 1px 8px; border-radius: 10px; font-weight: 700; font-size: 12px; color: #fff;
      white-space: nowrap; overflow-wrap: normal; }
    .pill-pass { background: var(--pass); }
    .pill-fail { background: var(--fail); }
    .pill-inconclusive, .pill-warning { background: #f0b400; color: #3b2a00; }
    .note { padding: 6px 10px; border-left: 4px solid var(--amber); background: #fff8e1; }
    .note-fail { border-color: var(--fail); background: #ffebe9; }
    .note-pass { border-color: var(--pass); background: #dafbe1; }
    .figures { display: flex; flex-wrap: wrap; gap: 16px; }
    figure { margin: 0; break-inside: avoid; }
    figcaption { max-width: 440px; color: var(--muted); font-size: 12px; }
    svg.chart { display: block; max-width: 100%; height: auto; }
    @media print {
      body { max-width: none; padding: 0; font-size: 11px; }
      nav { display: none; }
      * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
      h2 { break-after: avoid; }
      .table-wrap { overflow: visible; }
    }
    """
}
