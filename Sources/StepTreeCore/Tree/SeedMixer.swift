/// Derives reproducible seeds: a tree's root seed from (run seed, problem id), a child's from its
/// parent's and its sample index, a request's from (node seed, round). SplitMix64 finaliser
/// (Steele, Lea, Flood 2014) over FNV-1a of the problem id.
public enum SeedMixer {
    /// SplitMix64's output function.
    @inline(__always) public static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Seed of a problem's root.
    public static func root(runSeed: UInt64, problemID: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in problemID.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return mix(runSeed ^ mix(h))
    }

    /// Seed of the child made from sample `sample` of its parent's expansion.
    @inline(__always) public static func child(of parent: UInt64, sample: Int) -> UInt64 {
        mix(parent ^ mix(UInt64(truncatingIfNeeded: sample) &+ 1))
    }

    /// Seed of the `round`-th request expanding a node (0 for the first try).
    @inline(__always) public static func request(node: UInt64, round: Int) -> UInt64 {
        mix(node &+ UInt64(truncatingIfNeeded: round) &* 0xD6E8_FEB8_6659_FD93)
    }
}
