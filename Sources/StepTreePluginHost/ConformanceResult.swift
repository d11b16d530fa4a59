/// The outcome of one conformance check.
public struct ConformanceResult: Hashable, Sendable {
    /// Transcript or edge-case name.
    public var name: String
    /// nil: passed; otherwise why it failed or was skipped.
    public var failure: String?
    /// Set when the check did not apply to this plugin (then it neither passed nor failed).
    public var skipped: String?

    /// Whether the check applied and passed.
    public var passed: Bool { failure == nil && skipped == nil }
}
