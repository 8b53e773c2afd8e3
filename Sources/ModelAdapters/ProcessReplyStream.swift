import Foundation

/// A child's stdout read the way `ProcessAdapter` reads it, for the package's fuzz harnesses
/// (FuzzKit): the bytes are split into lines by `ProcessOutputCollector`, and every line is parsed
/// as each reply protocol version 1 allows — a hello, a loaded and a trained reply to request 1, and
/// a result to request 1 for `rows` examples under the last hello accepted (at first a two-class
/// logits hello), once as announced and once with the other output kind.
package enum ProcessReplyStream {
    /// How many events the stream held and how many lines each parser accepted.
    package struct Counts: Equatable, Sendable {
        package var lines = 0, overlong = 0, flooded = 0
        package var hellos = 0, loaded = 0, trained = 0, results = 0
    }

    /// Parses `output`, fed to the collector in three chunks so that lines also cross reads.
    /// Never throws: a rejected line is a `ProtocolViolation`, counted as not accepted.
    package static func parse(_ output: Data, rows: Int) -> Counts {
        let collector = ProcessOutputCollector()
        output.withUnsafeBytes { raw in
            let chunk = raw.count / 3 + 1
            for start in stride(from: 0, to: raw.count, by: chunk) {
                collector.appendOutput(UnsafeRawBufferPointer(rebasing: raw[start..<min(raw.count, start + chunk)]))
            }
        }
        collector.markClosed(output: true)
        var counts = Counts()
        var hello = ProcessHello(modelID: "fuzz", digest: "sha256:00", classes: ["no_match", "match"], outputs: .logits,
                                 inputDTypes: ["f32"])
        while let event = collector.nextEvent(until: .now) {
            switch event {
            case .line(let line):
                counts.lines += 1
                if let announced = try? ProcessReplies.hello(from: line) {
                    hello = announced
                    counts.hellos += 1
                }
                if (try? ProcessReplies.loaded(from: line, request: 1)) != nil { counts.loaded += 1 }
                if (try? ProcessReplies.trained(from: line, request: 1)) != nil { counts.trained += 1 }
                let other = ProcessHello(modelID: hello.modelID, digest: hello.digest, classes: hello.classes,
                                     outputs: hello.outputs == .logits ? .probabilities : .logits, inputDTypes: hello.inputDTypes)
                for announced in [hello, other] where (try? ProcessReplies.result(from: line, request: 1, rows: rows, hello: announced)) != nil {
                    counts.results += 1
                }
            case .overlong:
                counts.overlong += 1
            case .flooded:
                counts.flooded += 1
            case .closed:
                return counts
            }
        }
        return counts
    }
}
