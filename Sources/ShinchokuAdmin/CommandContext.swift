import Foundation
import Shinchoku

/// Where a command's output goes and what it reads besides its arguments.
///
/// ArgumentParser builds commands from arguments alone, so the surroundings travel in a task-local:
/// the executable uses ``standard``; tests run commands in-process with captured output and their own
/// environment.
public struct CommandContext: Sendable {
    /// The environment variables the CLI reads itself (`DATABASE_URL`, `SHINCHOKU_ACTOR`). libpq reads
    /// its `PG*` variables from the process environment.
    public var environment: [String: String]
    /// Receives what the command prints for the user.
    public var standardOutput: OutputSink
    /// Receives error messages.
    public var standardError: OutputSink
    /// Reads one line of standard input (without its line break), or nil at end of input.
    public var readLine: @Sendable () -> String?
    /// The bcrypt cost for passwords the command hashes: at least ``ShinchokuService/minimumBcryptCost``.
    public var bcryptCost: UInt8

    public init(
        environment: [String: String], standardOutput: OutputSink, standardError: OutputSink,
        readLine: @escaping @Sendable () -> String?, bcryptCost: UInt8 = 12
    ) {
        self.environment = environment
        self.standardOutput = standardOutput
        self.standardError = standardError
        self.readLine = readLine
        precondition(bcryptCost >= ShinchokuService.minimumBcryptCost, "bcrypt cost must be 12 or more")
        self.bcryptCost = bcryptCost
    }

    /// The process's own environment, standard output, standard error and standard input.
    public static var standard: CommandContext {
        CommandContext(
            environment: ProcessInfo.processInfo.environment,
            standardOutput: OutputSink { FileHandle.standardOutput.write(Data($0.utf8)) },
            standardError: OutputSink { FileHandle.standardError.write(Data($0.utf8)) },
            readLine: { Swift.readLine(strippingNewline: true) })
    }

    /// The context of the command running in this task.
    @TaskLocal public static var current: CommandContext = .standard
}

/// A place text is written to.
public struct OutputSink: Sendable {
    public let write: @Sendable (String) -> Void

    public init(_ write: @escaping @Sendable (String) -> Void) { self.write = write }

    /// Writes the text and a line break.
    public func line(_ text: String = "") { write(text + "\n") }
}
