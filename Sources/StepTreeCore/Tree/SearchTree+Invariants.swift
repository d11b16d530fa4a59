extension SearchTree {
    /// The tree's consistency rules, checked by tests after every integration (the session calls
    /// it when `SearchConfiguration.checkInvariants` is set). Returns one message per violation.
    ///
    /// Rules: side tables as long as the arena; parents precede children and their child range
    /// contains them; depth = parent depth + 1; children only under expanded, non-finished
    /// nodes; visits and in-flight counts of a node at least
    /// the sum over its children; `count` ≥ 1; sibling priors sum to 1; no two siblings with the
    /// same tokens/text (merging); when `idle`, no in-flight visits and nothing expanding.
    /// - Complexity: O(nodes × children).
    public func _invariantViolations(idle: Bool = false) -> [String] {
        var bad: [String] = []
        let n = records.count
        for (name, c) in [("texts", texts.count), ("tokens", tokens.count), ("logprobs", logprobs.count),
                          ("finishReasons", finishReasons.count), ("seeds", seeds.count)] where c != n {
            bad.append("side table \(name) has \(c) entries for \(n) nodes")
        }
        for i in 0..<n {
            let r = records[i]
            let id = NodeID(index: i)
            if i == 0 {
                if r.parent != NodeID.noneRaw { bad.append("root has a parent") }
            } else {
                let p = Int(r.parent)
                if p >= i { bad.append("\(id): parent \(p) does not precede it") ; continue }
                if !records[p].childIndices.contains(i) { bad.append("\(id): not in its parent's child range") }
                if r.depth != records[p].depth &+ 1 { bad.append("\(id): depth \(r.depth), parent depth \(records[p].depth)") }
            }
            if r.count == 0 { bad.append("\(id): count 0") }
            if idle && r.flags.contains(.expanding) { bad.append("\(id): still expanding when idle") }
            if idle && r.inFlight != 0 { bad.append("\(id): in-flight \(r.inFlight) when idle") }
            guard r.childCount > 0 else { continue }
            if !r.flags.contains(.expanded) { bad.append("\(id): has children but is not expanded") }
            if r.flags.contains(.finished) { bad.append("\(id): finished node has children") }
            var visits: UInt64 = 0, inFlight = 0, prior = 0.0
            let kids = r.childIndices
            for c in kids {
                visits += UInt64(records[c].visits)
                inFlight += Int(records[c].inFlight)
                prior += Double(records[c].prior)
                for d in kids where d > c && sameStep(c, d) { bad.append("\(id): children \(c) and \(d) are identical") }
            }
            if UInt64(r.visits) < visits { bad.append("\(id): visits \(r.visits) < children's \(visits)") }
            if Int(r.inFlight) < inFlight { bad.append("\(id): in-flight \(r.inFlight) < children's \(inFlight)") }
            if abs(prior - 1) > 1e-3 { bad.append("\(id): children's priors sum to \(prior)") }
        }
        return bad
    }

    private func sameStep(_ a: Int, _ b: Int) -> Bool {
        tokens[a].isEmpty || tokens[b].isEmpty ? texts[a] == texts[b] : tokens[a] == tokens[b]
    }
}
