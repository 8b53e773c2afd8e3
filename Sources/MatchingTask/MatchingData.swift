import NumericCore

/// The tensors a native model trains on, independent of how they were loaded: image–text pairs, or
/// labelled rows for classification (`labels`; `texts` then has 0 columns unless the data set gives
/// a second feature row).
///
/// Row r is an example: image features `images` row r (pixel values already divided by the data set's
/// pixel scale), text embedding `texts` row r, and group id `groups[r]`. Rows of one group are
/// never used as each other's mismatched pair.
public struct MatchingData: Sendable {
    public let images: Matrix
    public let texts: Matrix
    public let groups: [Int]
    /// The class of each row for classification data; nil for image–text pairs.
    public let labels: [Int]?
    /// The number of output classes: 2 (no match, match) for pairs, C for classification.
    public let classCount: Int

    public init(images: Matrix, texts: Matrix, groups: [Int], labels: [Int]? = nil, classCount: Int = 2) {
        precondition(images.rows == texts.rows && texts.rows == groups.count,
                     "matching data needs equal row counts: \(images.rows) images, \(texts.rows) texts, \(groups.count) groups")
        precondition(labels.map { $0.count == groups.count && $0.allSatisfy { (0..<classCount).contains($0) } } ?? true,
                     "labels must give one class in 0..<\(classCount) per row")
        self.images = images
        self.texts = texts
        self.groups = groups
        self.labels = labels
        self.classCount = classCount
    }

    /// Whether rows carry class labels (classification) rather than being image–text pairs.
    public var isClassification: Bool { labels != nil }

    /// The training target of `row`'s true example: its label, or "match" (1) for a true pair.
    public func trueClass(of row: Int) -> Int { labels?[row] ?? 1 }

    /// The number of examples.
    public var count: Int { groups.count }

    /// For every row of `rows`, a row of `rows` from a different group, drawn uniformly by `generator`.
    ///
    /// Drawing is by rejection (expected draws ≈ 1 when no group dominates); `rows` must span at least
    /// two groups.
    public func mismatchedPartners(for rows: [Int], generator: inout RandomSource) -> [Int] {
        precondition(Set(rows.map { groups[$0] }).count >= 2, "mismatched pairs need rows from at least two groups")
        return rows.map { row in
            while true {
                let candidate = rows[generator.nextInt(below: rows.count)]
                if groups[candidate] != groups[row] { return candidate }
            }
        }
    }

    /// Per-feature mean of the image rows `rows`, accumulated in `Double`.
    public func imageMean(over rows: [Int]) -> [Float] {
        let width = images.columns
        var sums = [Double](repeating: 0, count: width)
        images.storage.withUnsafeBufferPointer { x in
            for row in rows {
                let base = row * width
                for c in 0..<width { sums[c] += Double(x[base + c]) }
            }
        }
        let n = Double(max(rows.count, 1))
        return sums.map { Float($0 / n) }
    }
}
