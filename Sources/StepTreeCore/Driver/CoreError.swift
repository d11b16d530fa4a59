/// The one error type of StepTreeCore. Domain outcomes (wrong answers, pruned branches,
/// timed-out verdicts) are values, never errors.
public struct CoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A growable set of error codes.
    public struct Code: Hashable, Sendable {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public static let unknownStrategy = Code("unknownStrategy")
        public static let invariantViolated = Code("invariantViolated")
        public static let generatorFailed = Code("generatorFailed")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
