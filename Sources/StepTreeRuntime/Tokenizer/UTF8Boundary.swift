/// Where UTF-8 characters end, for assembling step text from tokens that may split a character.
enum UTF8Boundary {
    /// Length of the trailing bytes of `bytes` that begin a character not finished yet
    /// (0 when the bytes end on a character boundary or end in invalid bytes).
    static func incompleteSuffix<C: BidirectionalCollection>(_ bytes: C) -> Int where C.Element == UInt8 {
        var count = 0
        for b in bytes.reversed() {
            count += 1
            if b & 0xC0 == 0x80 {
                if count == 4 { return 0 }
                continue
            }
            let needed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
            return needed > count ? count : 0
        }
        return 0
    }
}
