import ArgumentParser
import Foundation
import NumericCore

@main
struct Miaudit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "miaudit",
        abstract: "Audit machine-unlearning claims with membership-inference attacks, and repair the models that fail.",
        discussion: """
            Data sets are directories with a manifest (see fixtures/emoji-cldr). Models are safetensors files \
            with PyTorch state_dict names. Errors exit with sysexits codes: 64 usage, 65 bad data, 66 missing input, \
            73 cannot create output, 74 I/O error.
            """,
        version: ToolInfo.version,
        subcommands: [DemoCommand.self, TrainCommand.self, EvalCommand.self, PredictCommand.self,
                      AttackCommand.self, UnlearnCommand.self, AuditCommand.self, RemediateCommand.self, ModelsCommand.self, ResultsCommand.self, DataCommand.self, StatsCommand.self, BenchCommand.self,
                      KeysCommand.self, ReportCommand.self])

    /// Picks a fast OpenBLAS kernel where OpenBLAS fell back to a generic one (see
    /// `BLAS.preferredCoreType`): the kernel is chosen when the library loads, so the process re-executes
    /// itself once with `OPENBLAS_CORETYPE` set. A user's own `OPENBLAS_CORETYPE` is always kept.
    static func main() {
        if let core = BLAS.preferredCoreType(), ProcessInfo.processInfo.environment["MIAUDIT_BLAS_REEXEC"] == nil {
            setenv("OPENBLAS_CORETYPE", core, 1)
            setenv("MIAUDIT_BLAS_REEXEC", "1", 1)
            let arguments = CommandLine.arguments
            var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
            execv("/proc/self/exe", &argv)
            // execv returns only on failure: carry on with the generic kernel.
        }
        #if os(Linux)
        // Training allocates and frees megabyte-sized gradient buffers every step; glibc would map
        // and unmap each one, page-faulting it in anew. Keep such blocks in the heap instead
        // (M_MMAP_THRESHOLD = −3, M_TRIM_THRESHOLD = −1 in <malloc.h>).
        _ = glibcMallopt(-3, 256 << 20)
        _ = glibcMallopt(-1, 512 << 20)
        #endif
        Self.main(nil)
    }
}

#if os(Linux)
/// glibc's `mallopt`, which the Glibc module does not export (it lives in <malloc.h>).
@_silgen_name("mallopt")
func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
