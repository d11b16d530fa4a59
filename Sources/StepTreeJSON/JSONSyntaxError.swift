/// Text that is not JSON: what is wrong and at which byte. Callers wrap it in their own error
/// (the plugin protocol's `parseError`, the HTTP client's `badResponse`).
public struct JSONSyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The byte offset of the problem in the text.
    public let offset: Int
    public let message: String

    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}
