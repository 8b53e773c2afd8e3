import AuditData
import MatchingTask

extension MatchingData {
    /// The tensors native models train on from a loaded data set: its pairs, or its labelled rows.
    public init(_ dataSet: PairDataSet) {
        self.init(images: dataSet.images, texts: dataSet.texts, groups: dataSet.groups, labels: dataSet.labels,
                  classCount: dataSet.classes.count)
    }
}
