import CPCRE2

/// Finds the final answer in a completion. Rules, in priority order (the first rule that matches
/// wins; within a rule the last match in the text wins):
/// 1. the user's `--pattern` (capture group 1, or the whole match when it has no group);
/// 2. the last `\boxed{...}` or `\fbox{...}`, nested braces included (a recursive pattern);
/// 3. GSM8K's `#### 72`;
/// 4. "The answer is ..." / "The final answer is ...", up to the end of the line (Minerva's
///    "I hope it is correct." is dropped);
/// 5. a line `answer: ...` (the Countdown trace format).
struct AnswerExtractor: Sendable {
    /// One extraction rule: its name (reported in `detail`) and pattern.
    struct Rule: Sendable {
        var name: String
        var pattern: PCREPattern
    }

    let rules: [Rule]

    init(userPattern: String?) throws {
        var rules: [Rule] = []
        if let userPattern { rules.append(Rule(name: "pattern", pattern: try PCREPattern(userPattern, options: UInt32(PCRE2_MULTILINE)))) }
        rules.append(Rule(name: "boxed", pattern: try PCREPattern(#"\\(?:boxed|fbox)\s*(\{((?:[^{}]++|(?1))*)\})"#)))
        rules.append(Rule(name: "####", pattern: try PCREPattern(#"####[ \t]*(.+?)[ \t]*$"#, options: UInt32(PCRE2_MULTILINE))))
        rules.append(Rule(name: "answer is", pattern: try PCREPattern(
            #"(?:final answer|the answer) is[ \t]*:?[ \t]*(.+?)(?:[ \t]*\.?[ \t]*I hope it is correct\.?)?[ \t]*$"#,
            options: UInt32(PCRE2_MULTILINE | PCRE2_CASELESS))))
        rules.append(Rule(name: "answer:", pattern: try PCREPattern(#"^[ \t]*answer:[ \t]*(.+?)[ \t]*$"#,
                                                                    options: UInt32(PCRE2_MULTILINE | PCRE2_CASELESS))))
        self.rules = rules
    }

    /// The answer text and the rule that found it, or nil when no rule matches.
    func extract(_ text: String) -> (answer: String, rule: String)? {
        for rule in rules {
            guard let groups = rule.pattern.lastMatch(in: text) else { continue }
            let answer: Substring?
            switch rule.name {
            case "boxed": answer = groups.count > 2 ? groups[2] : nil
            default: answer = groups.count > 1 ? groups[1] : groups[0]
            }
            if let answer { return (String(answer), rule.name) }
        }
        return nil
    }
}
