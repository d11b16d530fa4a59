/// The one error type of StepTreeExport; messages name the tree file, line and problem.
public struct ExportError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        /// A file cannot be read or written.
        public static let io = Code("io")
        /// A tree file of another schema, or not a tree file at all.
        public static let schema = Code("schema")
        /// The trees lack what the format needs (outcomes, scores, visits, token ids, references).
        public static let missingField = Code("missingField")
        /// An option value the format cannot use.
        public static let badOption = Code("badOption")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
