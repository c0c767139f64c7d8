/// Consecutive changes by one author to one record (sequence numbers `firstSeq`,
/// `firstSeq + 1`, …): the unit the log stores and the wire carries. A local commit that writes
/// six fields of a record is one run, so the record id, the author and the previous hash are
/// stored once instead of six times.
public struct ChangeRun: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var hlc: HLC
        public var field: String
        public var element: String?
        public var value: FieldValue

        public init(hlc: HLC, field: String, element: String? = nil, value: FieldValue) {
            self.hlc = hlc
            self.field = field
            self.element = element
            self.value = value
        }
    }

    public var author: ReplicaID
    public var firstSeq: UInt64
    public var record: RecordID
    /// The hash of the author's change `firstSeq - 1` (nil when `firstSeq` is 1).
    public var previousHash: ChangeHash?
    public var entries: [Entry]

    public init(author: ReplicaID, firstSeq: UInt64, record: RecordID, previousHash: ChangeHash?, entries: [Entry]) {
        self.author = author
        self.firstSeq = firstSeq
        self.record = record
        self.previousHash = previousHash
        self.entries = entries
    }

    public var lastSeq: UInt64 { firstSeq + UInt64(entries.count) - 1 }

    /// The greatest hlc of the run's changes (zero for an empty run). Entries' hlcs need not
    /// increase: a peer's run is checked as sent.
    public var latestHLC: HLC {
        entries.withUnsafeBufferPointer { entries in
            var latest = HLC.zero
            for index in entries.indices where entries[index].hlc > latest { latest = entries[index].hlc }
            return latest
        }
    }

    /// The rest of this run after change `seq` (which must be in it, before its last), chained to
    /// that change: what a peer holding changes up to `seq` still needs.
    public func after(_ seq: UInt64, hasher: inout ChangeHasher) -> ChangeRun {
        let dropped = Int(seq - firstSeq + 1)
        return ChangeRun(author: author, firstSeq: seq + 1, record: record, previousHash: chainHashes(hasher: &hasher)[dropped - 1],
                         entries: Array(entries.dropFirst(dropped)))
    }

    /// The changes of this run with their chain hashes, and the hash of the last one.
    public func changes(hasher: inout ChangeHasher) -> (changes: [Change], lastHash: ChangeHash?) {
        let hashed = hashedChanges(hasher: &hasher)
        return (hashed.map(\.change), hashed.last?.hash)
    }

    /// Each change of this run with its own chain hash, each hash computed once.
    public func hashedChanges(hasher: inout ChangeHasher) -> [(change: Change, hash: ChangeHash)] {
        let hashes = chainHashes(hasher: &hasher)
        return entries.enumerated().map { offset, entry in
            (Change(author: author, seq: firstSeq + UInt64(offset), hlc: entry.hlc, record: record, field: entry.field,
                    element: entry.element, value: entry.value, previousHash: offset == 0 ? previousHash : hashes[offset - 1]),
             hashes[offset])
        }
    }

    /// The chain hash of each change of this run, in sequence order (the last is the new head).
    public func chainHashes(hasher: inout ChangeHasher) -> [ChangeHash] {
        var hashes: [ChangeHash] = []
        hashes.reserveCapacity(entries.count)
        forEachChainHash(hasher: &hasher) { hashes.append($0) }
        return hashes
    }

    /// The chain hash of the run's last change (nil for an empty run), without building changes.
    public func lastHash(hasher: inout ChangeHasher) -> ChangeHash? {
        var last: ChangeHash?
        forEachChainHash(hasher: &hasher) { last = $0 }
        return last
    }

    /// Entries are read in place here and in `apply`: iterating the array would copy each entry
    /// (retaining its strings) for every change of every large import and merge.
    private func forEachChainHash(hasher: inout ChangeHasher, _ body: (ChangeHash) -> Void) {
        var previous = previousHash
        entries.withUnsafeBufferPointer { entries in
            for offset in entries.indices {
                let hash = hasher.hash(author: author, seq: firstSeq + UInt64(offset), hlc: entries[offset].hlc, record: record,
                                       field: entries[offset].field, element: entries[offset].element, value: entries[offset].value,
                                       previousHash: previous)
                body(hash)
                previous = hash
            }
        }
    }

    /// Applies every entry to `state` (which must be the state of `record`).
    public func apply(to state: inout RecordState) {
        entries.withUnsafeBufferPointer { entries in
            for offset in entries.indices {
                state.apply(stamp: Stamp(hlc: entries[offset].hlc, author: author, seq: firstSeq + UInt64(offset)),
                            field: entries[offset].field, element: entries[offset].element, value: entries[offset].value)
            }
        }
    }

    /// Groups changes (sorted by author and seq) into runs of consecutive changes to one record.
    public static func group(_ changes: [Change]) -> [ChangeRun] {
        var runs: [ChangeRun] = []
        for change in changes {
            let entry = Entry(hlc: change.hlc, field: change.field, element: change.element, value: change.value)
            if var last = runs.last, last.author == change.author, last.record == change.record,
               last.lastSeq + 1 == change.seq {
                last.entries.append(entry)
                runs[runs.count - 1] = last
            } else {
                runs.append(ChangeRun(author: change.author, firstSeq: change.seq, record: change.record,
                                      previousHash: change.previousHash, entries: [entry]))
            }
        }
        return runs
    }
}
