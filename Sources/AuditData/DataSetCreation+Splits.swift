import Foundation

extension DataSetCreation {
    /// The six standard splits, with the seed and fractions to record when they were drawn.
    ///
    /// Drawn: `GroupSplitter`. From a column: each row goes to the split it names (a `forget` row
    /// to `train` and `forget`), `retain` = `train` minus `forget`; a group whose rows name two
    /// different splits is an error naming the group, both rows and their lines. Either way the
    /// result is checked with `SplitRules`, naming the rows file.
    func makeSplits(table: RowsTable, groups: [Int], groupKeys: [String]?) throws
        -> (splits: [String: [Int]], seed: UInt64?, fractions: [String: Double]?) {
        switch splits {
        case let .drawn(fractions, seed):
            let drawn = try GroupSplitter(fractions: fractions, seed: seed).split(groups: groups)
            try SplitRules.check(drawn, groups: groups, path: rows.path)
            return (drawn, seed, fractions.byName)
        case let .column(column):
            let names = try table.splitNames(column: column)
            var firstOfGroup: [Int: (row: Int, split: String)] = [:]
            var lists: [String: [Int]] = Dictionary(uniqueKeysWithValues: RowsTable.splitValues.map { ($0, []) })
            for (row, name) in names.enumerated() {
                guard let name else { continue }
                if let first = firstOfGroup[groups[row]] {
                    if first.split != name {
                        let group = groupKeys.map { "group '\($0[row])'" } ?? "group \(groups[row])"
                        let firstLine = table.records[first.row].line
                        let line = table.records[row].line
                        throw AuditDataError.invalid(
                            path: "\(rows.path):\(line)",
                            problem: "\(group) has rows in both '\(first.split)' (row \(first.row), line \(firstLine)) and '\(name)' (row \(row), line \(line))",
                            fix: "give every row of a group the same split, since a group lies wholly in one split (and a forgotten group wholly in 'forget')")
                    }
                } else {
                    firstOfGroup[groups[row]] = (row, name)
                }
                lists[name, default: []].append(row)
                if name == "forget" { lists["train", default: []].append(row) }
            }
            let forget = Set(lists["forget"] ?? [])
            lists["retain"] = (lists["train"] ?? []).filter { !forget.contains($0) }
            try SplitRules.check(lists, groups: groups, path: rows.path)
            return (lists, nil, nil)
        }
    }
}
