import AccordCore
import GRDB

/// Writes records' rows into their collection tables (`RecordRow.upsertSQL`), one prepared
/// statement a kind, binding each row's texts from a `BindingArena`: the insert thread of every
/// large write and `rebuild` go through here.
final class RecordRowWriter {
    private let arena = BindingArena()
    private var upserts: [RecordKind: ArenaBinding] = [:]
    /// Scratch space for a row's stamps.
    private var stamps = ByteWriter(capacity: 256)

    /// Prepares the statements now, on the thread that owns `db`: `write` may run on the insert
    /// thread, which must not go through GRDB.
    init(_ db: Database) throws {
        for kind in RecordKind.allCases {
            upserts[kind] = ArenaBinding(statement: try RawStatement(db, sql: RecordRow.upsertSQL(kind)), arena: arena)
        }
    }

    func write(_ state: RecordState) throws {
        let kind = state.id.kind
        // Taken out of the dictionary for the row: one lookup instead of one per column.
        var upsert = upserts.removeValue(forKey: kind)!
        defer { upserts[kind] = upsert }
        RecordRow.bind(state, into: &upsert, stamps: &stamps)
        try upsert.execute()
    }
}
