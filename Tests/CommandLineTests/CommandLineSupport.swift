import Foundation

/// The repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The `miaudit` executable built beside the test bundle.
var miauditExecutable: URL {
    let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [bundleDirectory, Bundle.main.bundleURL.deletingLastPathComponent(), bundleDirectory.deletingLastPathComponent()] {
        let url = candidate.appendingPathComponent("miaudit")
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    return repositoryRoot.appendingPathComponent(".build/debug/miaudit")
}

struct CommandResult {
    let status: Int32
    let standardOutput: String
    let standardError: String
}

/// Runs `miaudit` with `arguments` from the repository root and waits for it.
func runMiaudit(_ arguments: [String]) throws -> CommandResult {
    try run(miauditExecutable, arguments)
}

/// Runs an executable and collects its output.
func run(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil) throws -> CommandResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = repositoryRoot
    if let environment { process.environment = environment }
    // stderr goes to a file so neither stream can block the child on a full pipe while we read the other.
    let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("miaudit-stderr-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: errorFile) }
    let output = Pipe()
    let error = try FileHandle(forWritingTo: errorFile)
    process.standardOutput = output
    process.standardError = error
    try process.run()
    let outData = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    try error.close()
    let errData = (try? Data(contentsOf: errorFile)) ?? Data()
    return CommandResult(status: process.terminationStatus,
                         standardOutput: String(decoding: outData, as: UTF8.self),
                         standardError: String(decoding: errData, as: UTF8.self))
}

/// A fresh temporary directory, removed by the caller.
func temporaryDirectory(_ label: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("miaudit-\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The path of python3 when it can import numpy, else nil.
let pythonWithNumpy: URL? = {
    for path in ["/usr/bin/env"] {
        guard let result = try? run(URL(fileURLWithPath: path), ["python3", "-c", "import numpy"]) else { continue }
        if result.status == 0 { return URL(fileURLWithPath: path) }
    }
    return nil
}()

/// Whether python3 can import torch (the PyTorch example's tests need it; CI installs the CPU wheel).
let pythonHasTorch: Bool = {
    (try? run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", "import torch"]))?.status == 0
}()
