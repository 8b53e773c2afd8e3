import AuditData
import Foundation
import Gate
import MatchingTask
import MembershipInference
import ModelAdapters
import NumericCore
import Testing
@testable import Audit

/// Audit specs: every field typed, defaults filled, relative paths resolved against the spec, and
/// every mistake one error naming the file, the line and the key path.
@Suite struct AuditSpecTests {
    /// Where the test specs pretend to live.
    static let file = "/specs/audits/x.yaml"

    /// The smallest valid spec.
    static let minimal = """
        name: minimal
        data: ../fixtures/emoji-cldr
        original: {path: ../reports/original.safetensors}
        target: {unlearn: {method: none}}
        """

    // MARK: Values

    @Test func aFullSpecParsesIntoItsValues() throws {
        let yaml = """
            name: fake-deletion
            description: "changed nothing"
            seed: 7
            data: ../fixtures/emoji-cldr
            splits: {train: tr, forget: fo, retain: re, holdout: ho, validation: va, test: te}
            original:
              path: ../reports/demo/original.safetensors
              train:
                seed: 3
                recipe: {epochs: 5, batch_size: 32, learning_rate: 0.01, weight_decay: 0, negatives_per_positive: 2,
                         image_hidden: [64], text_hidden: [64, 32], fusion_hidden: [16], activation: gelu}
            target:
              unlearn: {method: retrain, seed: 123}
            shadows: {count: 8, method: none}
            gold: 4
            attacks: [ulira, svm, forget_quality]
            settings: {variance: per-example, folds: 5, perturbations: 3, collapse_accuracy: 0.5}
            cache: ../audits/cache
            gate:
              inconclusive_fails: false
              rules:
                - {metric: ulira.online.auc, at_most: null}
                - {metric: forget_quality.median_pvalue, at_least: 0.05, name: "forget quality"}
                - {metric: svm.post_existence, at_most: 0.6}
                - {metric: ulira.offline.auc, at_most: "null"}
            """
        let spec = try AuditSpec.parse(yaml: yaml, path: Self.file)
        var recipe = TrainingRecipe()
        recipe.epochs = 5
        recipe.batchSize = 32
        recipe.learningRate = 0.01
        recipe.weightDecay = 0
        recipe.negativesPerPositive = 2
        recipe.imageHidden = [64]
        recipe.textHidden = [64, 32]
        recipe.fusionHidden = [16]
        recipe.activation = .gelu
        var training = OriginalTraining()
        training.seed = 3
        training.recipe = recipe
        var expected = AuditSpec(name: "fake-deletion", data: "/specs/fixtures/emoji-cldr",
                                 original: OriginalModelSpec(path: "/specs/reports/demo/original.safetensors", train: training),
                                 target: .unlearn(UnlearnTarget(method: "retrain", seed: 123)),
                                 source: SpecSource(path: Self.file, text: yaml, sha256: sha256Hex(Data(yaml.utf8))))
        expected.description = "changed nothing"
        expected.seed = 7
        expected.splits.train = "tr"
        expected.splits.forget = "fo"
        expected.splits.retain = "re"
        expected.splits.holdout = "ho"
        expected.splits.validation = "va"
        expected.splits.test = "te"
        expected.shadows.count = 8
        expected.shadows.method = "none"
        expected.gold = 4
        expected.attacks = ["svm", "ulira", "forget_quality"]
        expected.settings.attackOptions = AttackOptionValues(["variance": .text("per-example"), "folds": .integer(5)])
        expected.settings.perturbations = 3
        expected.settings.collapseAccuracy = 0.5
        expected.cache = "/specs/audits/cache"
        expected.gate.policy = GatePolicy(inconclusiveFails: false)
        expected.gate.rules = [
            GateRule(metric: "ulira.online.auc", .atMost, .null),
            GateRule(metric: "forget_quality.median_pvalue", .atLeast, .fixed(0.05), name: "forget quality"),
            GateRule(metric: "svm.post_existence", .atMost, .fixed(0.6)),
            GateRule(metric: "ulira.offline.auc", .atMost, .null),
        ]
        #expect(spec == expected)
    }

    @Test func omittedKeysTakeTheirDefaults() throws {
        let spec = try AuditSpec.parse(yaml: Self.minimal, path: Self.file)
        #expect(spec.description == nil)
        #expect(spec.seed == 0)
        #expect(spec.splits == AuditSplitNames())
        #expect(spec.original.train == nil)
        #expect(spec.shadows == ShadowModelsSpec())
        #expect(spec.shadowMethod == "none")
        #expect(spec.gold == 16)
        #expect(spec.attacks == AttackRegistry.names)
        #expect(spec.settings == AuditSettings())
        #expect(spec.cache == nil)
        #expect(spec.gate == GateSpec())
        #expect(spec.source.sha256 == sha256Hex(Data(Self.minimal.utf8)))
    }

    @Test func partialSectionsKeepTheirOtherDefaults() throws {
        let yaml = Self.minimal.replacingOccurrences(of: "original: {path: ../reports/original.safetensors}",
                                                     with: "original: {path: m.safetensors, train: {recipe: {epochs: 3}}}")
            + "\ncache: null\ndescription: ~\ngate: {inconclusive_fails: false}"
        let spec = try AuditSpec.parse(yaml: yaml, path: Self.file)
        var recipe = TrainingRecipe()
        recipe.epochs = 3
        #expect(spec.original.train?.recipe == recipe)
        #expect(spec.original.train?.seed == nil)  // derived from the run seed when training (AuditSeeds.originalTraining)
        #expect(spec.cache == nil)
        #expect(spec.description == nil)
        #expect(spec.gate.rules == AuditMetricNames.defaultRules)
        #expect(spec.gate.policy.inconclusiveFails == false)
    }

    @Test func defaultRulesFollowTheAttacksThatRun() throws {
        let spec = try AuditSpec.parse(yaml: Self.minimal + "\nattacks: [svm, ulira]", path: Self.file)
        #expect(spec.gate.rules == [GateRule(metric: "ulira.online.auc", .atMost, .null)])
    }

    @Test func relativePathsResolveAgainstTheSpecsDirectory() throws {
        let yaml = """
            name: paths
            data: data/../emoji
            original: {path: /abs/original.safetensors}
            target: {adapter: {kind: outputs, path: out/probs.npy, ids: ../ids.json}}
            shadows: {method: retrain}
            cache: ./cache/
            """
        let spec = try AuditSpec.parse(yaml: yaml, path: Self.file)
        #expect(spec.data == "/specs/audits/emoji")
        #expect(spec.original.path == "/abs/original.safetensors")
        #expect(spec.target == .adapter(.outputs(.init(path: "/specs/audits/out/probs.npy", ids: "/specs/ids.json"))))
        #expect(spec.cache == "/specs/audits/cache")
        #expect(spec.source.path == Self.file)

        let native = try AuditSpec.parse(yaml: yaml.replacingOccurrences(
            of: "{kind: outputs, path: out/probs.npy, ids: ../ids.json}", with: "{kind: native, path: m.safetensors, batch_size: 64}"), path: Self.file)
        #expect(native.target == .adapter(.native(.init(path: "/specs/audits/m.safetensors", batchSize: 64))))

        let process = try AuditSpec.parse(yaml: yaml.replacingOccurrences(
            of: "{kind: outputs, path: out/probs.npy, ids: ../ids.json}",
            with: "{kind: process, command: [python3, adapter.py], working_directory: ../examples}"), path: Self.file)
        #expect(process.target == .adapter(.process(.init(command: ["python3", "adapter.py"], workingDirectory: "/specs/examples"))))
    }

    // MARK: Errors

    @Test func anExternalTrainerIsReadAndItsOriginalNeedsIt() throws {
        let trained = Self.minimal.replacingOccurrences(of: "original: {path: ../reports/original.safetensors}", with: "original: {trainer: {}}")
        #expect(message(trained) == "/specs/audits/x.yaml:3: original.trainer: the original is to be trained by the external trainer but the spec has no trainer; add trainer: {command: [python3, train.py]}")
        let yaml = trained + "\ntrainer: {command: [python3, train.py], working_directory: .., concurrency: 3, train_timeout_seconds: 900}"
        let spec = try AuditSpec.parse(yaml: yaml, path: Self.file)
        #expect(spec.original.byTrainer)
        #expect(spec.trainer?.process.command == ["python3", "train.py"])
        #expect(spec.trainer?.process.workingDirectory == "/specs")
        #expect(spec.trainer?.concurrency == 3 && spec.trainer?.trainTimeoutSeconds == 900)
        #expect(message(yaml.replacingOccurrences(of: "concurrency: 3", with: "concurrency: 0"))?.contains("trainer.concurrency") == true)
        #expect(message(trained.replacingOccurrences(of: "{trainer: {}}", with: "{trainer: {}, path: o.safetensors}") + "\ntrainer: {command: [x]}")?
            .contains("original: has trainer beside other keys") == true)
    }

    @Test func theFastProfileTrainsNoShadowsAndGatesOnOfflineAttacksAgainstTheGoldModels() throws {
        let spec = try AuditSpec.parse(yaml: Self.minimal + "\nprofile: fast\ngold: 16", path: Self.file)
        #expect(spec.profile == .fast && spec.profile.references == .golds)
        #expect(spec.gate.rules == AuditMetricNames.fastRules)
        #expect(spec.gate.rules.map(\.metric) == ["ulira.offline.auc", "rmia.offline.auc", "umia.cross_validated.auc",
                                                 "forget_quality.median_pvalue"])
        #expect(try AuditSpec.parse(yaml: Self.minimal, path: Self.file).profile == .full)
        // Without rmia in the attacks its rule is left out, as for the full profile's defaults.
        let noRMIA = try AuditSpec.parse(yaml: Self.minimal + "\nprofile: fast\nattacks: [ulira, forget_quality]", path: Self.file)
        #expect(noRMIA.gate.rules.map(\.metric) == ["ulira.offline.auc", "forget_quality.median_pvalue"])

        #expect(message(Self.minimal + "\nprofile: quick")
            == "/specs/audits/x.yaml:5: profile: is 'quick'; use full (shadows and gold models) or fast (gold models only, docs/profiles.md)")
        #expect(message(Self.minimal + "\nprofile: fast\nshadows: {count: 16}")?
            .contains("shadows: the fast profile trains no shadows") == true)
        #expect(message(Self.minimal + "\nprofile: fast\ngold: 1")?.contains("gold: the fast profile scores each gold model against the others") == true)
        #expect(message(Self.minimal + "\nprofile: fast\ngate:\n  rules:\n    - {metric: ulira.online.auc, at_most: null}")?
            .contains("ulira.online.auc needs shadow models, which the fast profile does not train; use ulira.offline.auc") == true)
        #expect(message(Self.minimal + "\nprofile: fast\ngate:\n  rules:\n    - {metric: umia.shadow.auc, at_most: null}")?
            .contains("use umia.cross_validated.auc") == true)
    }

    @Test func nestedAliasesThatExpandPastTheBoundAreOneErrorNotAnExhaustedMachine() {
        // Nine levels of ten aliases each: 10^9 nodes once expanded, in under 400 bytes.
        var yaml = Self.minimal.replacingOccurrences(of: "target: {unlearn: {method: none}}", with: "")
        yaml += "\nlevels:\n  l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...8 {
            yaml += "  l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        yaml += "target: {adapter: {kind: outputs, path: o.npy, ids: *l8}}\n"
        #expect(yaml.utf8.count < 700)
        #expect(message(yaml) == "/specs/audits/x.yaml: expands to more than 100000 YAML nodes once its aliases (*name) are expanded; "
                + "a spec needs a few hundred, so write the values out instead of nesting aliases")
        // A spec that uses a few aliases the ordinary way still loads.
        let ordinary = Self.minimal + "\nattacks: &a [svm, ulira]\nsettings: {folds: 3}"
        #expect(message(ordinary) == nil)
    }

    @Test func unknownKeysAreErrorsWithTheirPathAndLine() {
        #expect(message(Self.minimal + "\nshadow: {count: 16}")
            == "/specs/audits/x.yaml:5: shadow: unknown key; did you mean \"shadows\"? known keys: name, description, seed, data, splits, "
            + "original, target, profile, shadows, gold, references, trainer, attacks, settings, cache, gate")
        #expect(message(Self.minimal + "\nshadows:\n  method: none\n  cuont: 16")
            == "/specs/audits/x.yaml:7: shadows.cuont: unknown key; did you mean \"count\"? known keys: count, method")
        #expect(message(Self.minimal + "\ngate:\n  rules:\n    - {metric: ulira.online.auc, at_mots: 0.6}")
            == "/specs/audits/x.yaml:7: gate.rules[0].at_mots: unknown key; did you mean \"at_most\"? known keys: metric, at_most, at_least, name")
        #expect(message(Self.minimal + "\nflavour: x")?.hasPrefix("/specs/audits/x.yaml:5: flavour: unknown key; known keys: name,") == true)
    }

    @Test func wrongTypesAreErrorsSayingWhatWasExpected() {
        #expect(message(Self.minimal + "\ngate:\n  rules:\n    - {metric: umia.shadow.auc, at_most: 0.6}\n    - {metric: ulira.online.auc, at_most: abc}")
            == "/specs/audits/x.yaml:8: gate.rules[1].at_most: expected a number or null, got \"abc\"")
        #expect(message(Self.minimal + "\nseed: -1") == "/specs/audits/x.yaml:5: seed: expected an integer in 0...18446744073709551615, got -1")
        #expect(message(Self.minimal + "\ngold: 2.5") == "/specs/audits/x.yaml:5: gold: expected an integer, got 2.5")
        #expect(message(Self.minimal + "\ngold: \"8\"") == "/specs/audits/x.yaml:5: gold: expected an integer, got \"8\"")
        #expect(message(Self.minimal + "\ngold: 300") == "/specs/audits/x.yaml:5: gold: expected an integer in 0...256, got 300")
        #expect(message(Self.minimal + "\nshadows: [16]") == "/specs/audits/x.yaml:5: shadows: expected a mapping, got a list")
        #expect(message(Self.minimal + "\nattacks: svm") == "/specs/audits/x.yaml:5: attacks: expected a list, got \"svm\"")
        #expect(message(Self.minimal + "\ngate: {inconclusive_fails: maybe}")
            == "/specs/audits/x.yaml:5: gate.inconclusive_fails: expected true or false, got \"maybe\"")
        #expect(message(Self.minimal + "\nsettings: {collapse_accuracy: 1}")
            == "/specs/audits/x.yaml:5: settings.collapse_accuracy: expected a number in [0, 1), got 1")
        #expect(message(Self.minimal + "\nsettings: {folds: 1}") == "/specs/audits/x.yaml:5: settings.folds: expected an integer in 2...100, got 1")
        #expect(message(Self.minimal + "\nsettings: {variance: per_example}")
            == "/specs/audits/x.yaml:5: settings.variance: unknown value \"per_example\"; did you mean \"per-example\"? use one of: per-example, pooled, automatic")
        #expect(message(Self.minimal.replacingOccurrences(of: "name: minimal", with: "name: yes"))
            == "/specs/audits/x.yaml:1: name: expected a string, got yes; quote it if you mean the text")
    }

    @Test func recipeProblemsAreReportedAtTheRecipe() {
        let yaml = Self.minimal.replacingOccurrences(
            of: "original: {path: ../reports/original.safetensors}",
            with: "original:\n  path: m.safetensors\n  train:\n    recipe:\n      epochs: 0")
        #expect(message(yaml) == "/specs/audits/x.yaml:6: original.train.recipe: epochs must be in 1...100000, got 0; "
            + "fix the recipe or leave the field out for its default")
        #expect(message(yaml.replacingOccurrences(of: "epochs: 0", with: "image_hidden: [0]"))?
            .hasPrefix("/specs/audits/x.yaml:6: original.train.recipe: layer size 0 is outside 1...1048576") == true)
        #expect(message(yaml.replacingOccurrences(of: "epochs: 0", with: "epoch: 3"))
            == "/specs/audits/x.yaml:7: original.train.recipe.epoch: unknown key; did you mean \"epochs\"? known keys: epochs, batch_size, "
            + "learning_rate, weight_decay, negatives_per_positive, image_hidden, text_hidden, fusion_hidden, activation")
        #expect(message(yaml.replacingOccurrences(of: "epochs: 0", with: "activation: tanh"))
            == "/specs/audits/x.yaml:7: original.train.recipe.activation: unknown value \"tanh\"; use one of: relu, gelu")
    }

    @Test func duplicateKeysNameTheKeyPathAndBothLines() {
        #expect(message(Self.minimal + "\nseed: 1\nseed: 2") == "/specs/audits/x.yaml:6: seed: duplicate key (first at line 5); keep one of the two")
        #expect(message(Self.minimal + "\nshadows:\n  count: 8\n  method: none\n  count: 16")
            == "/specs/audits/x.yaml:8: shadows.count: duplicate key (first at line 6); keep one of the two")
        #expect(message(Self.minimal + "\ngate:\n  rules:\n    - {metric: ulira.online.auc, \"at_most\": 0.6, at_most: 0.7}")
            == "/specs/audits/x.yaml:7: gate.rules[0].at_most: duplicate key (first at line 7); keep one of the two")
    }

    @Test func missingRequiredKeysAreNamed() {
        #expect(message("data: d\noriginal: {path: m}\ntarget: {unlearn: {method: none}}")
            == "/specs/audits/x.yaml:1: name: required key is missing; add it, e.g. name: my-audit")
        #expect(message(Self.minimal.replacingOccurrences(of: "original: {path: ../reports/original.safetensors}", with: "original:\n  train: {seed: 0}"))
            == "/specs/audits/x.yaml:3: original.path: required key is missing; add it, e.g. path: ../reports/demo/original.safetensors")
        #expect(message(Self.minimal.replacingOccurrences(of: "{unlearn: {method: none}}", with: "{unlearn: {seed: 1}}"))
            == "/specs/audits/x.yaml:4: target.unlearn.method: required key is missing; add it, e.g. method: retrain")
        #expect(message(Self.minimal.replacingOccurrences(of: "{unlearn: {method: none}}", with: "{}"))
            == "/specs/audits/x.yaml:4: target: needs exactly one of unlearn or adapter, e.g. target: {unlearn: {method: retrain}}")
    }

    @Test func methodsMustBeKnown() {
        #expect(message(Self.minimal.replacingOccurrences(of: "method: none", with: "method: multidelet"))
            == "/specs/audits/x.yaml:4: target.unlearn.method: unknown method \"multidelet\"; did you mean \"multidelete\"? use one of: "
            + "none, retrain, multidelete, multidelete-f, multidelete-calibrated, finetune, neggrad, dtd")
        #expect(message(Self.minimal + "\nshadows: {method: forget}")?
            .hasPrefix("/specs/audits/x.yaml:5: shadows.method: unknown method \"forget\"; use one of: none, retrain,") == true)
    }

    @Test func gateMetricsMustBeKnownAndMeasured() {
        #expect(message(Self.minimal + "\ngate:\n  rules:\n    - {metric: ulira.auc, at_most: 0.6}")
            == "/specs/audits/x.yaml:7: gate.rules[0].metric: unknown metric \"ulira.auc\"; use one of: " + AuditMetricNames.all.joined(separator: ", "))
        #expect(message(Self.minimal + "\nattacks: [svm, ulira]\ngate:\n  rules:\n    - {metric: ulira.online.auc, at_most: null}\n"
                        + "    - {metric: umia.shadow.auc, at_most: 0.6}")
            == "/specs/audits/x.yaml:9: gate.rules[1].metric: umia.shadow.auc is measured by umia, which is not in attacks; "
            + "add umia to attacks or remove this rule")
        #expect(message(Self.minimal + "\ngate:\n  rules:\n    - {metric: ulira.online.auc}")
            == "/specs/audits/x.yaml:7: gate.rules[0]: has no bound; add at_most or at_least with a number or null")
        #expect(message(Self.minimal + "\ngate:\n  rules: []")
            == "/specs/audits/x.yaml:6: gate.rules: the list is empty; write at least one rule, e.g. - {metric: ulira.online.auc, at_most: null}, "
            + "or leave rules out for the defaults")
    }

    @Test func shadowCountMustBeEvenAndAtLeastFourWhenShadowAttacksRun() {
        #expect(message(Self.minimal + "\nshadows: {count: 7}")
            == "/specs/audits/x.yaml:5: shadows.count: ulira, umia and rmia need an even number of shadow models, at least 4, got 7; use e.g. count: 16")
        #expect(message(Self.minimal + "\nattacks: [umia]\nshadows:\n  count: 2")
            == "/specs/audits/x.yaml:7: shadows.count: umia needs an even number of shadow models, at least 4, got 2; use e.g. count: 16")
        #expect(message(Self.minimal + "\nattacks: [svm, forget_quality]\nshadows: {count: 3}") == nil)
    }

    @Test func nullBoundsAndForgetQualityNeedGoldModels() {
        #expect(message(Self.minimal + "\ngold: 0\nattacks: [ulira]\ngate:\n  rules:\n    - {metric: utility.test_itm_accuracy_drop, at_most: 0.05}\n"
                        + "    - {metric: ulira.online.auc, at_most: ~}")
            == "/specs/audits/x.yaml:10: gate.rules[1]: a null bound is calibrated on gold models but gold is 0; set gold ≥ 1 (e.g. gold: 8) "
            + "or give a fixed bound")
        #expect(message(Self.minimal + "\ngate:\n  rules:\n    - {metric: utility.test_itm_accuracy, at_least: null}")
            == "/specs/audits/x.yaml:7: gate.rules[0]: utility.test_itm_accuracy has no null distribution (only the attacks' metrics are "
            + "scored on gold models); give it a fixed bound")
        // Every attack metric has a null now, the SVM attack's too.
        #expect(message(Self.minimal + "\ngate:\n  rules:\n    - {metric: svm.post_existence, at_most: null}") == nil)
        #expect(message(Self.minimal + "\ngold: 0")
            == "/specs/audits/x.yaml:5: gold: forget_quality compares the target with gold models but gold is 0; set gold ≥ 1 (e.g. gold: 8) "
            + "or remove forget_quality from attacks")
        #expect(message(Self.minimal + "\ngold: 0\nattacks: [ulira]")?
            .hasPrefix("/specs/audits/x.yaml:5: gold: the default rule ulira.online.auc at_most null has a null bound") == true)
    }

    @Test func anAdapterTargetNeedsTheShadowsMethod() {
        let yaml = Self.minimal.replacingOccurrences(of: "{unlearn: {method: none}}", with: "\n  adapter: {kind: native, path: m.safetensors}")
        #expect(message(yaml) == "/specs/audits/x.yaml:1: shadows.method: required when the target is an adapter and ulira, umia and rmia run: "
            + "the shadows must apply the method the audited model claims, which an adapter cannot say; set it to one of: "
            + "none, retrain, multidelete, multidelete-f, multidelete-calibrated, finetune, neggrad, dtd")
        #expect(message(yaml + "\nattacks: [svm, forget_quality]") == nil)
        #expect(message(yaml + "\nshadows: {method: retrain}") == nil)
    }

    @Test func adapterProblemsCarryTheAdapterPath() {
        let yaml = Self.minimal.replacingOccurrences(of: "{unlearn: {method: none}}", with: "\n  adapter:\n    kind: native\n    pth: m.safetensors")
            + "\nshadows: {method: none}"
        #expect(message(yaml)?.hasPrefix("/specs/audits/x.yaml:7: target.adapter.pth: unknown key 'pth'") == true)
        #expect(message(yaml.replacingOccurrences(of: "kind: native", with: "kind: onnx"))?
            .hasPrefix("/specs/audits/x.yaml:6: target.adapter.kind: unknown adapter kind 'onnx'") == true)
        #expect(message(yaml.replacingOccurrences(of: "pth: m.safetensors", with: "batch_size: 8"))
            == "/specs/audits/x.yaml:5: target.adapter.path: required key is missing; add it")
    }

    @Test func bothUnlearnAndAdapterIsAnError() {
        let yaml = Self.minimal.replacingOccurrences(
            of: "target: {unlearn: {method: none}}", with: "target:\n  unlearn: {method: none}\n  adapter: {kind: native, path: m.safetensors}")
        #expect(message(yaml) == "/specs/audits/x.yaml:4: target: has both unlearn and adapter; keep exactly one "
            + "(unlearn: a method miaudit applies to the original; adapter: a model you bring)")
    }

    @Test func attacksMustBeKnownAndListedOnce() {
        #expect(message(Self.minimal + "\nattacks: [svm, lira]")
            == "/specs/audits/x.yaml:5: attacks[1]: unknown attack \"lira\"; did you mean \"ulira\"? use one of: svm, ulira, umia, forget_quality, rmia")
        #expect(message(Self.minimal + "\nattacks:\n  - svm\n  - svm") == "/specs/audits/x.yaml:7: attacks[1]: svm is listed twice; list each attack once")
        #expect(message(Self.minimal + "\nattacks: []")
            == "/specs/audits/x.yaml:5: attacks: the list is empty; list at least one of: svm, ulira, umia, forget_quality, rmia")
    }

    @Test func emptyAndNonMappingFilesAreErrors() {
        #expect(message("") == "/specs/audits/x.yaml: the file is empty; write an audit spec (name, data, original, target), e.g. as in audits/retrain.yaml")
        #expect(message("# only a comment\n") == message(""))
        #expect(message("- a\n- b") == "/specs/audits/x.yaml:1: expected a mapping at the top level, got a list; "
            + "write keys such as name, data, original and target, one per line")
        #expect(message("just text") == "/specs/audits/x.yaml:1: expected a mapping at the top level, got \"just text\"; "
            + "write keys such as name, data, original and target, one per line")
    }

    @Test func malformedYAMLNamesTheFileAndLine() {
        let error = specError(Self.minimal + "\nshadows: {count: 16\ngold: 8")
        #expect(error?.line == 6)
        #expect(error?.keyPath == nil)
        #expect(error?.exitStatus == .data)
        #expect(error?.description.hasPrefix("/specs/audits/x.yaml:6: invalid YAML: ") == true)
        #expect(error?.description.contains("\n") == false)
        let tabs = specError("name: a\n\tdata: b")
        #expect(tabs?.description.hasPrefix("/specs/audits/x.yaml:2: invalid YAML: ") == true)
        #expect(specError("a: 1\n---\nb: 2")?.description.hasPrefix("/specs/audits/x.yaml:2: invalid YAML: but found another document") == true)
    }

    @Test func strangeInputNeverCrashes() {
        let inputs = ["{", "[", "\"", ":", "? [a]\n: b", "name: &a x\ndata: *a", "name: *missing", "<<: {name: x}", "name: [\n", "\u{1}",
                      "name: !!binary aGk=", "original: {path: [a]}", "gate: {rules: [1, 2]}", "target: {adapter: 3}", "gold: 0x1G\n" + Self.minimal,
                      "seed: 99999999999999999999999", Self.minimal + "\ntarget: x", String(repeating: "[", count: 2000)]
        for input in inputs {
            #expect(specError(input) != nil, "\(input)")
        }
    }

    // MARK: Files

    @Test func theShippedSpecsLoad() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let audits = root.appendingPathComponent("audits")
        let names = ["fake-deletion": "none", "retrain": "retrain", "multidelete": "multidelete-calibrated"]
        for (name, method) in names {
            let url = audits.appendingPathComponent("\(name).yaml")
            let spec = try AuditSpec.load(from: url)
            #expect(spec.name == name)
            #expect(spec.shadowMethod == method)
            #expect(spec.data == root.appendingPathComponent("fixtures/emoji-cldr").path)
            #expect(spec.original.path == root.appendingPathComponent("reports/demo/original.safetensors").path)
            #expect(spec.original.train?.seed == 0)
            #expect(spec.cache == audits.appendingPathComponent("cache").path)
            #expect(spec.shadows.count == 16)
            #expect(spec.gold == 16)
            #expect(spec.warnings.isEmpty)
            #expect(spec.gate.policy == GatePolicy())
            #expect(spec.seed == 0)
            #expect(spec.attacks == AttackRegistry.names)
            #expect(spec.gate.rules == AuditMetricNames.defaultRules)
            #expect(spec.source.path == url.path)
            #expect(spec.source.text == (try String(contentsOf: url, encoding: .utf8)))
            #expect(spec.source.sha256 == sha256Hex(try Data(contentsOf: url)))
        }
        #expect(try AuditSpec.load(from: audits.appendingPathComponent("retrain.yaml")).target == .unlearn(UnlearnTarget(method: "retrain", seed: 123)))
    }

    @Test func loadReportsMissingAndUnreadableFiles() throws {
        let missing = URL(fileURLWithPath: "/nonexistent/spec.yaml")
        let error = specError { _ = try AuditSpec.load(from: missing) }
        #expect(error?.exitStatus == .noInput)
        #expect(error?.description == "/nonexistent/spec.yaml: no such file; check the path, e.g. miaudit audit audits/retrain.yaml")

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("miaudit-spec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(specError { _ = try AuditSpec.load(from: directory) }?.exitStatus == .noInput)
        let spec = directory.appendingPathComponent("spec.yaml")
        try Data(Self.minimal.utf8).write(to: spec)
        let loaded = try AuditSpec.load(from: spec)
        #expect(loaded.data == directory.deletingLastPathComponent().appendingPathComponent("fixtures/emoji-cldr").standardizedFileURL.path)
        try Data([0x6E, 0x61, 0xFF, 0xFE]).write(to: spec)
        #expect(specError { _ = try AuditSpec.load(from: spec) }?.message == "is not UTF-8 text; save the spec as UTF-8")
        if getuid() != 0 {
            try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: spec.path)
            #expect(specError { _ = try AuditSpec.load(from: spec) }?.exitStatus == .ioError)
        }
    }

    // MARK: Helpers

    /// The error parsing `yaml` throws, or nil.
    func specError(_ yaml: String) -> AuditSpecError? {
        specError { _ = try AuditSpec.parse(yaml: yaml, path: Self.file) }
    }

    /// The `AuditSpecError` `body` throws, or nil (any other error is recorded as an issue).
    func specError(_ body: () throws -> Void) -> AuditSpecError? {
        do {
            try body()
            return nil
        } catch let error as AuditSpecError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    /// The message of the error parsing `yaml` throws, or nil.
    func message(_ yaml: String) -> String? {
        specError(yaml)?.description
    }
}
