import GRDB

extension ReplicaStore {
    /// The page cache of a transaction that merges or commits records, in KiB. SQLite's default
    /// (2 MiB) is smaller than what a 10,000-record import dirties (~4 MiB): it would write pages
    /// to the WAL before the commit and read them back, about as many writes again and a
    /// thousand reads (BENCHMARKS.md). The cache grows only as pages are used.
    static let writeCacheKiB = 32 * 1024

    /// Runs `body` in one write transaction (as `DatabasePool.write` does) with a page cache of
    /// `writeCacheKiB`, back to what it was once the transaction has ended: a large import or
    /// merge keeps its dirty pages until its commit writes them, and an idle replica holds no
    /// more pages than SQLite's default.
    func recordsWrite<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.writeWithoutTransaction { db in
            let cacheSize = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -2000
            try db.execute(sql: "PRAGMA cache_size = -\(Self.writeCacheKiB)")
            // Shrinking the cache frees its pages, all clean once the transaction has ended.
            defer { try? db.execute(sql: "PRAGMA cache_size = \(cacheSize)") }
            var result: T?
            try db.inTransaction {
                result = try body(db)
                return .commit
            }
            return result!
        }
    }
}
