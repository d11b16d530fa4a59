/// The code verifier's one error type: what could not be read, named by item and field.
public struct CodeVerifierError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public enum Code: String, Sendable {
        /// The problem lacks the fields of any supported test style.
        case noTests
        /// A test field has the wrong shape.
        case badField
        /// The sandbox could not be set up or did not start the program.
        case sandbox
        /// A process could not be spawned or a pipe or file could not be made.
        case system
    }

    /// The kind of failure.
    public let code: Code
    /// A message naming the object at fault.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
