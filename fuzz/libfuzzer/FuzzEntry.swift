// libFuzzer's entry points over FuzzKit's harnesses. Not part of the package graph: scripts/fuzz.sh
// compiles this file with `swiftc -sanitize=fuzzer` against FuzzKit built with coverage. The harness
// is chosen with `--harness=NAME` (libFuzzer ignores flags that start with "--").
import Foundation
import FuzzKit

nonisolated(unsafe) var selectedHarness: FuzzHarness?

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>) -> CInt {
    let arguments = (0..<Int(argc.pointee)).compactMap { argv.pointee[$0].map { String(cString: $0) } }
    let name = arguments.first { $0.hasPrefix("--harness=") }.map { String($0.dropFirst("--harness=".count)) } ?? ""
    guard let harness = FuzzHarness.named(name) else {
        let names = FuzzHarness.all.map(\.name).joined(separator: ", ")
        FileHandle.standardError.write(Data("miaudit-fuzz: give --harness=NAME, one of \(names) (got '\(name)')\n".utf8))
        exit(64)
    }
    selectedHarness = harness
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = size == 0 || data == nil ? Data() : Data(bytes: data!, count: size)
    _ = selectedHarness!.run(input)
    return 0
}
