import Foundation
import NeuralNet
import NumericCore

extension MultiDeleteUnlearning {
    /// Unlearns `request.forget` from `model` and says how: the unlearned model f′ and the run's report.
    ///
    /// An epoch shuffles the forget rows and the retain rows, then steps through the forget rows
    /// `batchSize` at a time; step k pairs forget batch k with the next `batchSize` shuffled retain
    /// rows (cycling) and with freshly drawn mismatched retain pairs (I_p, T_q), p and q in
    /// different groups. f's representations of the retain and forget rows are computed once; a
    /// step then costs f's fusion MLP on batch rows and a forward and backward pass of f′ on
    /// 2·batch rows.
    ///
    /// - Throws: `UnlearningError` for unusable rows, a stop rule without `request.validation`, or a
    ///   loss that stopped being finite (the run diverged).
    public func run(_ model: FusionModel, request: UnlearningRequest,
                    progress: @Sendable (String) -> Void = { _ in }) throws -> (model: FusionModel, report: MultiDeleteReport) {
        let start = ContinuousClock.now
        guard !request.data.isClassification else {
            throw UnlearningError(method: name, problem: "MultiDelete's losses (modality decoupling, multimodal and unimodal knowledge retention) need image–text pairs, but the data are labelled rows for classification",
                                  fix: "use retrain, finetune, neggrad or dtd on classification data")
        }
        try request.check(method: name, needsForget: true, needsMismatchedRetain: true)
        let c = configuration
        let base = RandomSource(seed: request.seed)
        var probe: ForgetIndistinguishabilityProbe? = nil
        if let rule = c.stop {
            guard !request.validation.isEmpty else {
                throw UnlearningError(method: name, problem: "the stop rule needs never-trained validation rows and the request has none",
                                      fix: "pass the data set's validation split as the request's validation rows")
            }
            var generator = base.derived("multidelete-stop-rows")
            probe = ForgetIndistinguishabilityProbe(forget: request.forget, validation: request.validation, rule: rule,
                                                    generator: &generator)
        }
        let frozen = FrozenRepresentations(model: model, data: request.data, rows: request.retain + request.forget)
        var student = model
        var optimizer = AdamW(for: model.layers, learningRate: c.learningRate, weightDecay: c.weightDecay)
        optimizer.parallelism = BLAS.threadCount
        var report = MultiDeleteReport(method: name, epochs: [], steps: 0, selectedStep: 0, seconds: 0,
                                       checkpointRule: checkpointRule, stopChecks: [], stopReached: c.stop.map { _ in false })
        var step = 0
        // The last check above the band, kept in case the next one jumps below it.
        var previous: (step: Int, areaUnderCurve: Double, layers: [Linear])? = nil

        /// Runs the stop check; true when training should stop (the chosen weights are then in `student`).
        func stopHere() throws -> Bool {
            guard let rule = c.stop, let probe else { return false }
            let auc = try probe.areaUnderCurve(model: student, data: request.data, method: name)
            report.stopChecks.append(.init(step: step, areaUnderCurve: auc))
            progress("\(name) step \(step): forget-vs-validation LiRA AUC \(String(format: "%.3f", auc))")
            switch rule.verdict(auc) {
            case .above:
                previous = (step, auc, student.layers)
                return false
            case .within:
                report.stopReached = true
                report.selectedStep = step
                return true
            case .below:
                report.selectedStep = step
                if let previous, abs(previous.areaUnderCurve - 0.5) < abs(auc - 0.5) {
                    student.layers = previous.layers
                    report.selectedStep = previous.step
                }
                return true
            }
        }

        var stopped = try stopHere()
        for epoch in 0..<c.epochs where !stopped {
            var generator = base.derived("multidelete-epoch-\(epoch)")
            var forget = request.forget, retain = request.retain
            generator.shuffle(&forget)
            generator.shuffle(&retain)
            var sums = MultiDeleteLossTerms()
            var epochSteps = 0
            var offset = 0
            while offset < forget.count {
                let rows = Array(forget[offset..<min(offset + c.batchSize, forget.count)])
                let pairs = MultiDeleteBatch.mismatchedPairs(count: rows.count, retain: request.retain,
                                                             groups: request.data.groups, generator: &generator)
                let batch = MultiDeleteBatch(forget: rows, retain: rows.indices.map { retain[(offset + $0) % retain.count] },
                                             mismatchedImages: pairs.images, mismatchedTexts: pairs.texts)
                optimizer.learningRate = c.learningRate(step: step + 1)
                let targets = frozen.targets(for: batch)
                let (terms, gradients) = MultiDeleteObjective.evaluate(
                    student: student, data: request.data, batch: batch, targets: targets, weights: c.weights, groups: c.groups)
                guard terms.total.isFinite else {
                    throw UnlearningError(method: name, problem: "the loss became \(terms.total) at step \(step + 1)",
                                          fix: "lower the learning rate")
                }
                optimizer.step(&student.layers, gradients: gradients.layers)
                step += 1
                epochSteps += 1
                sums.decoupling += terms.decoupling
                sums.multimodalRetention += terms.multimodalRetention
                sums.unimodalRetention += terms.unimodalRetention
                sums.total += terms.total
                offset += c.batchSize
                if let rule = c.stop, step % rule.checkEvery == 0, try stopHere() {
                    stopped = true
                    break
                }
            }
            let n = Double(max(epochSteps, 1))
            let means = MultiDeleteLossTerms(decoupling: sums.decoupling / n, multimodalRetention: sums.multimodalRetention / n,
                                             unimodalRetention: sums.unimodalRetention / n, total: sums.total / n)
            report.epochs.append(.init(epoch: epoch + 1, steps: epochSteps, meanLosses: means))
            progress(String(format: "%@ epoch %d/%d: L_MD %.5f L_MKR %.5f L_UKR %.5f L %.5f", name, epoch + 1, c.epochs,
                            means.decoupling, means.multimodalRetention, means.unimodalRetention, means.total))
        }
        if !stopped {
            report.selectedStep = step
            // The last step is checked too, so the report says where the run ended.
            if let rule = c.stop, step % rule.checkEvery != 0 { _ = try stopHere() }
        }
        report.steps = step
        report.seconds = seconds(since: start)
        return (student, report)
    }

    /// The checkpoint-selection rule, in words, for the report.
    var checkpointRule: String {
        guard let rule = configuration.stop else {
            return "last step: the model after \(configuration.epochs) epochs over the forget set (no selection)"
        }
        return "first check (before step 1, then every \(rule.checkEvery) steps and after the last) where the AUC of "
            + "the forget set's LiRA scores against up to \(rule.maximumRows) validation rows' is within "
            + "[\(rule.lowerAUC), \(rule.upperAUC)]; a check that jumps below the band keeps whichever of it and the "
            + "previous check is closer to 0.5; the last step when the band is never reached"
    }
}
