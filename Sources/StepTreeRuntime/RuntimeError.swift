/// The one error type of `StepTreeRuntime`: a code plus a message that names the object at fault
/// (file and offset, tensor name, metadata key, architecture).
public struct RuntimeError: Error, CustomStringConvertible, Equatable {
    /// What went wrong, for callers that branch on it.
    public struct Code: RawRepresentable, Hashable, Sendable {
        /// The code as text.
        public var rawValue: String
        /// A code from its text.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The file could not be opened or mapped.
        public static let io = Code(rawValue: "io")
        /// The GGUF structure is malformed (bad magic, truncated, out of bounds, overflow).
        public static let malformed = Code(rawValue: "malformed")
        /// A well-formed file uses something this runtime does not implement.
        public static let unsupported = Code(rawValue: "unsupported")
        /// A required metadata key or tensor is absent or has the wrong type or shape.
        public static let missing = Code(rawValue: "missing")
        /// A request cannot be served (prefix too long for the context, cache cap too small).
        public static let request = Code(rawValue: "request")
    }

    /// What went wrong.
    public var code: Code
    /// The message, naming the file, tensor, key or request.
    public var message: String

    /// An error with a code and a message that names the object.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
