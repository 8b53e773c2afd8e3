import ArgumentParser
import Foundation
import ReportStore

/// `miaudit keys`: the Ed25519 keys that sign reports.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create the Ed25519 keys that sign audit reports.",
        subcommands: [GenerateKeyCommand.self])
}

/// `miaudit keys generate --out keys/NAME`.
struct GenerateKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Create a signing key: NAME (private, mode 0600) and NAME.pub (public).",
        discussion: """
            Neither file is ever overwritten: if either exists the command exits 73. The directory is \
            created (mode 0700) when missing. Give NAME.pub to whoever verifies reports \
            (miaudit report verify --trusted-key NAME.pub); keep NAME private. Prints the key id.
            """)

    @Option(name: .customLong("out"), help: ArgumentHelp("Path of the private key file to create.", valueName: "file"))
    var output: String

    func validate() throws {
        if output.isEmpty || output.hasSuffix("/") {
            throw ValidationError("--out must name a file, got '\(output)'; give e.g. keys/release-signer.")
        }
    }

    func run() throws {
        try reportingErrors {
            let url = URL(fileURLWithPath: output)
            let directory = url.deletingLastPathComponent()
            if !FileManager.default.fileExists(atPath: directory.path) {
                do {
                    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                            attributes: [.posixPermissions: 0o700])
                } catch {
                    throw OutputError(description: "\(directory.path): cannot create the key directory "
                        + "(\(error.localizedDescription)); create it yourself or choose another --out.")
                }
            }
            let key = try SigningKey.generate(to: url)
            print("created \(output) (private, mode 0600) and \(output).pub (public)")
            print("key id \(key.keyID)")
        }
    }
}
