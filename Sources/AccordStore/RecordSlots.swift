import AccordCore

/// Where each record a write transaction touched sits in its list of states: an open-addressing
/// table keyed by record id. A large import looks up (and adds) every record once, so one hash
/// of the id's bytes per lookup, instead of a `Dictionary`'s hash for the miss and another for
/// the insert, is a measurable part of the write path (BENCHMARKS.md).
///
/// The hash is keyed by a per-table random seed, so ids chosen to collide (a hostile peer's)
/// cannot be prepared in advance.
struct RecordSlots {
    /// Slot numbers + 1; 0 marks an empty place.
    private var table: [Int32]
    private var hashes: [UInt64]
    private var count = 0
    private let seed: UInt64

    init() {
        table = [Int32](repeating: 0, count: 1024)
        hashes = [UInt64](repeating: 0, count: 1024)
        seed = UInt64.random(in: .min ... .max) | 1
    }

    /// The slot of `id`, or where to add it: `ids` gives the record id of an existing slot.
    /// Returns the slot if present; otherwise calls `add`, which returns the new slot number.
    mutating func slot(of id: RecordID, ids: (Int) -> RecordID, add: () throws -> Int) rethrows -> Int {
        let hash = Self.hash(id.rawValue, seed: seed)
        let mask = table.count - 1
        var place = Int(truncatingIfNeeded: hash) & mask
        while table[place] != 0 {
            let slot = Int(table[place] - 1)
            if hashes[place] == hash, ids(slot).rawValue == id.rawValue { return slot }
            place = (place + 1) & mask
        }
        let slot = try add()
        table[place] = Int32(slot + 1)
        hashes[place] = hash
        count += 1
        if count * 2 > table.count { grow() }
        return slot
    }

    private mutating func grow() {
        let old = (table, hashes)
        table = [Int32](repeating: 0, count: old.0.count * 2)
        hashes = [UInt64](repeating: 0, count: old.0.count * 2)
        let mask = table.count - 1
        for (place, entry) in old.0.enumerated() where entry != 0 {
            var target = Int(truncatingIfNeeded: old.1[place]) & mask
            while table[target] != 0 { target = (target + 1) & mask }
            table[target] = entry
            hashes[target] = old.1[place]
        }
    }

    /// A 64-bit hash of the UTF-8 bytes, eight at a time (multiply and fold, as in wyhash).
    private static func hash(_ text: String, seed: UInt64) -> UInt64 {
        return text.withUTF8Bytes { bytes in
            var state = seed ^ UInt64(bytes.count)
            func mix(_ word: UInt64) {
                let product = (state ^ word).multipliedFullWidth(by: 0x9E37_79B9_7F4A_7C15)
                state = product.high ^ product.low
            }
            var index = 0
            let raw = UnsafeRawBufferPointer(bytes)
            while index + 8 <= raw.count {
                mix(raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                index += 8
            }
            var tail: UInt64 = 0
            for offset in index..<raw.count { tail = tail << 8 | UInt64(raw[offset]) }
            mix(tail)
            mix(seed)
            return state
        }
    }
}
