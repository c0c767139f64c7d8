/// One immutable write to one field of one record, as authored by one replica.
///
/// Every local write becomes one change per field written (one per element for set fields).
/// `(author, seq)` identifies a change; `seq` counts 1, 2, 3, … without gaps per author, and
/// `previousHash` chains each change to its author's previous one, so a receiver can tell
/// that nothing was dropped, reordered or altered on the way.
public struct Change: Hashable, Sendable {
    public var author: ReplicaID
    public var seq: UInt64
    public var hlc: HLC
    public var record: RecordID
    /// The interchange field name, `_deleted` for the hidden deletion flag.
    public var field: String
    /// For set fields, the element whose presence this change sets (`value` is `.bool`).
    public var element: String?
    public var value: FieldValue
    /// SHA-256 of the canonical encoding of change `seq - 1` by the same author; nil for seq 1.
    public var previousHash: ChangeHash?

    public init(author: ReplicaID, seq: UInt64, hlc: HLC, record: RecordID, field: String,
                element: String? = nil, value: FieldValue, previousHash: ChangeHash?) {
        self.author = author
        self.seq = seq
        self.hlc = hlc
        self.record = record
        self.field = field
        self.element = element
        self.value = value
        self.previousHash = previousHash
    }

    /// The position of this change in the total order that decides last-writer-wins.
    public var stamp: Stamp { Stamp(hlc: hlc, author: author, seq: seq) }

    /// The name of the hidden field whose flag deletes (true) or restores (false) a record.
    public static let deletedField = "_deleted"
}

/// The total order of writes: hybrid clock first, then the author's replica id, then its
/// sequence number. Every replica compares the same way, so every replica picks the same winner.
public struct Stamp: Hashable, Comparable, Sendable {
    public var hlc: HLC
    public var author: ReplicaID
    public var seq: UInt64

    public init(hlc: HLC, author: ReplicaID, seq: UInt64) {
        self.hlc = hlc
        self.author = author
        self.seq = seq
    }

    public static func < (a: Stamp, b: Stamp) -> Bool {
        if a.hlc != b.hlc { return a.hlc < b.hlc }
        if a.author != b.author { return a.author < b.author }
        return a.seq < b.seq
    }
}
