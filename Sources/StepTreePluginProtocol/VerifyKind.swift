/// What a plugin judges: finished answers (`outcome`) and/or partial paths (`step`).
public enum VerifyKind: String, Hashable, Sendable, CaseIterable {
    case outcome
    case step
}
