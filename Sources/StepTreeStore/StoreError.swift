/// The one error type of StepTreeStore; messages name the file and line.
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public static let io = Code("io")
        /// The output file exists and the run was not told to resume it.
        public static let exists = Code("exists")
        public static let malformedLine = Code("malformedLine")
        public static let missingField = Code("missingField")
        public static let duplicateID = Code("duplicateID")
        public static let unknownPreset = Code("unknownPreset")
        public static let template = Code("template")
        public static let fingerprintMismatch = Code("fingerprintMismatch")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
