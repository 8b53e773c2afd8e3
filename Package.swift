// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "miaudit",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "miaudit", targets: ["miaudit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // C shims: each is imported by exactly one Swift module.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CLibSVM", providers: [.apt(["libsvm-dev"])]),
        // posix_spawn into a new process group, in a working directory, and waitpid (C, because
        // posix_spawn_file_actions_addchdir_np is not visible to Swift through Glibc).
        .target(name: "CProcessSpawn"),
        // Element-wise training kernels the Swift compiler does not vectorise (AdamW's square root
        // and division), with an AVX path chosen at run time; wrapped by NeuralNet alone.
        .target(name: "CKernels"),

        // Reportable errors and exit codes: no dependencies, so every module can name its errors.
        .target(name: "Diagnostics"),
        .target(name: "NumericCore", dependencies: ["CBLAS"]),
        .target(name: "NeuralNet", dependencies: ["CKernels", "Diagnostics", "NumericCore"]),
        .target(name: "AuditData", dependencies: [
            "Diagnostics", "NumericCore",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "MatchingTask", dependencies: ["NumericCore", "NeuralNet"]),
        .target(name: "ModelAdapters", dependencies: ["CProcessSpawn", "Diagnostics", "NumericCore", "NeuralNet", "AuditData", "MatchingTask"]),
        .target(name: "Stats", dependencies: ["Diagnostics", "NumericCore"]),
        .target(name: "SVM", dependencies: ["CLibSVM"]),
        .target(name: "Unlearning", dependencies: ["Diagnostics", "NumericCore", "NeuralNet", "MatchingTask", "Stats"]),
        // Shadow and gold models: the keep matrix, derived seeds, native training, the collapse
        // check and the content-keyed cache, behind the reference-model provider protocol.
        .target(name: "ReferenceModels", dependencies: [
            "Diagnostics", "NumericCore", "NeuralNet", "AuditData", "MatchingTask", "ModelAdapters", "Unlearning",
        ]),
        // Attacks as pure scorers over a signal table: they never see a trainer or a data set.
        .target(name: "MembershipInference", dependencies: ["Diagnostics", "NumericCore", "Stats", "SVM"]),
        .target(name: "ReportStore", dependencies: [
            "Diagnostics", "NumericCore",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // Named values, intervals and nulls: the gate knows no attack.
        .target(name: "Gate", dependencies: ["Diagnostics", "Stats"]),
        // Audit specs (YAML), the one audit pipeline, remediation, and report exports.
        .target(name: "Audit", dependencies: [
            "Diagnostics", "NumericCore", "NeuralNet", "AuditData", "MatchingTask", "ModelAdapters", "Stats", "Unlearning",
            "ReferenceModels", "MembershipInference", "Gate", "ReportStore",
            .product(name: "Yams", package: "Yams"),
        ]),
        // Fuzz harnesses for the untrusted-input parsers and a seeded mutator for fixed-count runs
        // (the tests' smoke runs); scripts/fuzz.sh links them into libFuzzer binaries (fuzz/README.md).
        .target(name: "FuzzKit", dependencies: ["NumericCore", "NeuralNet", "AuditData", "ModelAdapters", "Audit"]),
        .executableTarget(name: "miaudit", dependencies: [
            "Diagnostics", "NumericCore", "NeuralNet", "AuditData", "MatchingTask", "ModelAdapters", "Stats", "SVM", "Unlearning",
            "ReferenceModels", "MembershipInference", "Gate", "ReportStore", "Audit",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "NumericCoreTests", dependencies: ["NumericCore"]),
        // Finite-difference gradient checks, shared by the numeric test targets (not a product).
        .target(name: "GradientChecking", dependencies: ["NumericCore"], path: "Tests/Shared/GradientChecking"),
        // The small fixture and the fast recipes of the numeric tests (not a product).
        .target(name: "SmallFixtureSupport", dependencies: ["AuditData", "MatchingTask"], path: "Tests/Shared/SmallFixtureSupport"),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "NumericCore", "GradientChecking"]),
        .testTarget(name: "AuditDataTests", dependencies: ["AuditData", "NumericCore"]),
        .testTarget(name: "MatchingTaskTests", dependencies: ["MatchingTask", "NeuralNet", "AuditData", "NumericCore", "SmallFixtureSupport"]),
        .testTarget(name: "ModelAdaptersTests", dependencies: ["Diagnostics", "ModelAdapters", "AuditData", "NeuralNet", "MatchingTask", "NumericCore"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "MembershipInferenceTests", dependencies: ["MembershipInference", "NumericCore", "Stats"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "ReferenceModelsTests",
                    dependencies: ["ReferenceModels", "ModelAdapters", "AuditData", "MatchingTask", "NeuralNet", "NumericCore", "Unlearning",
                                   "SmallFixtureSupport"]),
        .testTarget(name: "SVMTests", dependencies: ["SVM"], resources: [.copy("Fixtures")]),
        .testTarget(name: "StatsTests", dependencies: ["Stats", "NumericCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CommandLineTests", dependencies: [
            "AuditData", "NeuralNet", "NumericCore", "Stats", "MembershipInference", "SmallFixtureSupport",
            .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Yams", package: "Yams"),
        ]),
        .testTarget(name: "ReportStoreTests", dependencies: [
            "ReportStore", "NumericCore",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "GateTests", dependencies: ["Gate"]),
        .testTarget(name: "AuditTests", dependencies: [
            "Audit", "Gate", "ReportStore", "MembershipInference", "ReferenceModels", "ModelAdapters", "MatchingTask", "AuditData", "NeuralNet",
            "NumericCore", "Stats", "Unlearning", "SmallFixtureSupport",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Yams", package: "Yams"),
        ], resources: [.copy("Fixtures")]),
        .testTarget(name: "FuzzTests", dependencies: ["FuzzKit"]),
        .testTarget(name: "UnlearningTests",
                    dependencies: ["Unlearning", "NeuralNet", "MatchingTask", "AuditData", "NumericCore", "Stats", "GradientChecking",
                                   "SmallFixtureSupport"]),
    ]
)
