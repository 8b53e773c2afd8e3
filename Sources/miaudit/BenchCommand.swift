import ArgumentParser
import Foundation
import MatchingTask
import NeuralNet
import NumericCore

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks (run from benchmarks/ beside their peers; build with -c release).",
        subcommands: [TrainBench.self, KSBench.self, LiRABench.self, SVMBench.self])
}

struct TrainBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Measure training throughput (samples/s) and the share of the sgemm bound reached.",
        discussion: """
            One untimed warm-up epoch, then --epochs timed epochs on the train split. A minibatch holds \
            whole groups (a row's true pair and its mismatched pair: 32 rows, 64 pairs by default), and \
            the image encoder runs once per row. The sgemm bound is the model's FLOPs per training step \
            divided by the time its own GEMM shapes take alone (each timed in a loop; the image \
            encoder's at the batch's row count); the peak sgemm rate of a 1024³ product is printed for context.
            """)

    @OptionGroup var dataOptions: DataOptions
    @Option(name: .long, help: "Timed epochs.")
    var epochs: Int = 3
    @Option(name: .long, help: "Minibatch size.")
    var batch: Int = TrainingRecipe().batchSize
    @Option(name: .long, help: "Output format: text or json.")
    var format: OutputFormat = .text
    @OptionGroup var threadOptions: ThreadOptions

    func run() throws {
        try reportingErrors {
            let threads = threadOptions.apply()
            let (dataSet, data) = try dataOptions.load()
            let rows = try dataSet.indices(ofSplit: "train")
            var recipe = TrainingRecipe()
            recipe.batchSize = batch
            recipe.epochs = 1
            let trainer = MatchingTrainer(recipe: recipe, seed: 0)
            var model = trainer.train(data: data, rows: rows)  // warm-up epoch
            recipe.epochs = epochs
            var samples = 0
            let start = ContinuousClock.now
            MatchingTrainer(recipe: recipe, seed: 1).continueTraining(&model, data: data, rows: rows) { samples += $0.samples }
            let elapsed = seconds(since: start)
            let architecture = model.architecture
            let pairs = recipe.pairsPerBatch(classification: data.isClassification)
            let pairsPerImage = recipe.pairsPerGroup(classification: data.isClassification)
            let modelRate = GemmTiming.modelShapeRate(architecture: architecture, batch: pairs,
                                                      imageRows: pairs / pairsPerImage)
            let result = TrainBenchResult(
                samplesPerSecond: Double(samples) / elapsed, samples: samples, seconds: elapsed, epochs: epochs,
                batch: batch, threads: threads, openblasCorename: BLAS.coreName,
                modelFlopsPerSample: architecture.trainingFlopsPerExample(pairsPerImage: pairsPerImage),
                sgemmFlopsPerSecond: modelRate, sgemmPeakFlopsPerSecond: GemmTiming.squareRate(size: 1024))
            switch format {
            case .json: print(try OutputFormat.json(result))
            case .text:
                print(String(format: "%.0f samples/s (%d samples in %.2f s), %d thread(s), %@ kernel",
                             result.samplesPerSecond, samples, elapsed, threads, BLAS.coreName))
                print(String(format: "model %.3f MFLOP/sample; sgemm on its shapes %.1f GFLOP/s (peak %.1f); share of bound %.0f%%",
                             result.modelFlopsPerSample / 1e6, modelRate / 1e9,
                             result.sgemmPeakFlopsPerSecond / 1e9, 100 * result.shareOfSgemmBound))
            }
        }
    }
}

struct TrainBenchResult: Encodable {
    let samplesPerSecond: Double
    let samples: Int
    let seconds: Double
    let epochs: Int
    let batch: Int
    let threads: Int
    let openblasCorename: String
    let modelFlopsPerSample: Double
    let sgemmFlopsPerSecond: Double
    let sgemmPeakFlopsPerSecond: Double
    var shareOfSgemmBound: Double { modelFlopsPerSample * samplesPerSecond / sgemmFlopsPerSecond }

    enum CodingKeys: String, CodingKey {
        case samplesPerSecond = "samples_per_second", samples, seconds, epochs, batch, threads
        case openblasCorename = "openblas_corename", modelFlopsPerSample = "model_flops_per_sample"
        case sgemmFlopsPerSecond = "sgemm_flops_per_second", sgemmPeakFlopsPerSecond = "sgemm_peak_flops_per_second"
        case shareOfSgemmBound = "share_of_sgemm_bound"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(samplesPerSecond, forKey: .samplesPerSecond)
        try c.encode(samples, forKey: .samples)
        try c.encode(seconds, forKey: .seconds)
        try c.encode(epochs, forKey: .epochs)
        try c.encode(batch, forKey: .batch)
        try c.encode(threads, forKey: .threads)
        try c.encode(openblasCorename, forKey: .openblasCorename)
        try c.encode(modelFlopsPerSample, forKey: .modelFlopsPerSample)
        try c.encode(sgemmFlopsPerSecond, forKey: .sgemmFlopsPerSecond)
        try c.encode(sgemmPeakFlopsPerSecond, forKey: .sgemmPeakFlopsPerSecond)
        try c.encode(shareOfSgemmBound, forKey: .shareOfSgemmBound)
    }
}

/// Times sgemm alone on given shapes.
enum GemmTiming {
    /// FLOP/s of the GEMMs of one training step of `architecture`, each shape timed alone: the image
    /// encoder's layers at `imageRows` rows (one per distinct image), every other layer at `batch`.
    static func modelShapeRate(architecture: FusionArchitecture, batch: Int, imageRows: Int) -> Double {
        var flops = 0.0, time = 0.0
        for (index, shape) in architecture.linearShapes.enumerated() {
            let rows = index < architecture.imageHidden.count ? imageRows : batch
            // forward: [B,in]·[out,in]ᵀ; weight gradient: [B,out]ᵀ·[B,in]; input gradient: [B,out]·[out,in].
            var products: [(Matrix, Bool, Matrix, Bool)] = [
                (Matrix(rows: rows, columns: shape.input, repeating: 0.5), false,
                 Matrix(rows: shape.output, columns: shape.input, repeating: 0.25), true),
                (Matrix(rows: rows, columns: shape.output, repeating: 0.5), true,
                 Matrix(rows: rows, columns: shape.input, repeating: 0.25), false),
            ]
            if !architecture.isEncoderInputLayer(index) {
                products.append((Matrix(rows: rows, columns: shape.output, repeating: 0.5), false,
                                 Matrix(rows: shape.output, columns: shape.input, repeating: 0.25), false))
            }
            for (a, ta, b, tb) in products {
                let seconds = timePerCall { _ = BLAS.product(a, transposeA: ta, b, transposeB: tb) }
                time += seconds
                flops += 2.0 * Double(rows * shape.input * shape.output)
            }
        }
        return flops / time
    }

    /// FLOP/s of one size×size×size sgemm.
    static func squareRate(size: Int) -> Double {
        let a = Matrix(rows: size, columns: size, repeating: 0.5)
        let seconds = timePerCall { _ = BLAS.product(a, a) }
        return 2.0 * pow(Double(size), 3) / seconds
    }

    /// The best of five rounds of the mean time per call, each round at least 50 ms.
    static func timePerCall(_ body: () -> Void) -> Double {
        body()
        var best = Double.infinity
        for _ in 0..<5 {
            var calls = 0
            let start = ContinuousClock.now
            repeat {
                body()
                calls += 1
            } while seconds(since: start) < 0.05
            best = min(best, seconds(since: start) / Double(calls))
        }
        return best
    }
}
