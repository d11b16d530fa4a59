/// One problem to search: what the model is prompted with and what the verifiers judge against.
///
/// Problem files are read by `StepTreeStore` (JSONL with presets and field mappings); the core
/// sees only this value.
public struct Problem: Hashable, Sendable, Codable {
    /// Stable identifier, unique within a problem file (the preset's id field, or `line-N`).
    public var id: String
    /// The rendered prompt text the first step continues (template already applied).
    public var prompt: String
    /// The reference answer, when the file has one (verifiers that need it receive it).
    public var reference: String?
    /// Every field of the original line, passed to verifiers unchanged (tests, entry points, ...).
    public var fields: [String: JSON]

    public init(id: String, prompt: String, reference: String? = nil, fields: [String: JSON] = [:]) {
        self.id = id
        self.prompt = prompt
        self.reference = reference
        self.fields = fields
    }
}
