import Foundation

/// The one error type of `StepTreeHTTP`. Its message names the endpoint and request it is about.
///
/// Generators never throw it out of `generate`: a request that still fails after its retries comes
/// back as `StepResult(failure:)` carrying `description`.
public struct HTTPGeneratorError: Error, CustomStringConvertible, Sendable {
    /// What went wrong; grows as backends are added.
    public enum Code: String, Sendable {
        /// The server answered with a status that is not retried (4xx other than 429).
        case httpStatus
        /// Connection refused or reset, or a 429/5xx answer, on every attempt.
        case unavailable
        /// The per-request deadline passed before an answer arrived.
        case deadline
        /// The answer was not the JSON shape the backend documents.
        case badResponse
        /// The request asks for something this backend cannot do.
        case unsupported
        /// A socket call of the loopback server failed.
        case socket
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
