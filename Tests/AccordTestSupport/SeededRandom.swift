/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny generator whose whole state is one
/// `UInt64`, so a simulation run is replayed exactly from the seed printed when it fails.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// True with probability `percent` / 100.
    public mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &self) < percent }

    public mutating func pick<C: Collection>(_ items: C) -> C.Element { items.randomElement(using: &self)! }
}

/// Byte-exact comparison of text. Swift's `==` on `String` is canonical equivalence, under
/// which NFD and NFC spellings are equal; the merge contract promises identical bytes.
public func sameBytes(_ a: String, _ b: String) -> Bool { a.utf8.elementsEqual(b.utf8) }

public func sameBytes(_ a: [String], _ b: [String]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { sameBytes($0, $1) }
}
