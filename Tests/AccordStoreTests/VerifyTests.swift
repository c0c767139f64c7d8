import AccordCore
import AccordStore
import Foundation
import GRDB
import Testing

/// `verify` passes on honest replicas and names every kind of direct tampering with the file.
@Suite("Verification")
struct VerifyTests {
    /// A replica holding three commits of its own and two merged from another laptop of the office.
    static func honestReplica(in folder: URL) throws -> ReplicaStore {
        let kenya = OfficeCode("KE")!
        let other = try ReplicaStore.create(at: folder.appendingPathComponent("other.sqlite").path,
                                            identity: ReplicaIdentity(id: ReplicaID("00000000000000aa")!, office: kenya, role: .office, name: "mombasa"))
        let store = try ReplicaStore.create(at: folder.appendingPathComponent("main.sqlite").path,
                                            identity: ReplicaIdentity(id: ReplicaID("00000000000000bb")!, office: kenya, role: .office, name: "nairobi"))
        for (index, domain) in ["one.example", "two.example", "three.example"].enumerated() {
            try store.write(RecordID.alert(contributor: kenya, normalizedDomain: domain), [
                FieldWrite(field: "domain", value: .string(domain)),
                FieldWrite(field: "status", value: .string("online")),
                FieldWrite(field: "listed_on", value: .string("2026-0\(index + 1)-15")),
            ])
        }
        for domain in ["four.example", "five.example"] {
            try other.write(RecordID.alert(contributor: kenya, normalizedDomain: domain), [
                FieldWrite(field: "domain", value: .string(domain)), FieldWrite(field: "status", value: .string("offline")),
            ])
        }
        // Merged in two syncs (a batch ends at the first signature), so the log holds a row for each commit.
        _ = try store.merge(other.missingChanges(for: VersionVector(), limit: 1), options: MergeOptions(trustedPeers: [other.identity.id]))
        _ = try store.merge(other.missingChanges(for: store.versionVector(), limit: 1000), options: MergeOptions(trustedPeers: [other.identity.id]))
        try other.close()
        return store
    }

    /// Runs `tamper` on the raw SQLite file, then verifies through a freshly opened store.
    func verifyAfter(_ tamper: (Database) throws -> Void) throws -> VerificationReport {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("accord-verify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try Self.honestReplica(in: folder)
        #expect(try store.verify().isValid, "the honest replica must verify before tampering")
        try store.close()
        let raw = try DatabaseQueue(path: store.path)
        try raw.write(tamper)
        try raw.close()
        return try ReplicaStore.open(at: store.path).verify()
    }

    /// Another process holding the write lock does not stop `verify`: after a short wait it
    /// checks on one connection, and finds the same.
    @Test func verifyWorksWhileAnotherProcessWrites() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("accord-verify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try Self.honestReplica(in: folder)
        let writer = try DatabaseQueue(path: store.path)
        try writer.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            defer { try? db.execute(sql: "ROLLBACK") }
            let report = try store.verify()
            #expect(report.isValid && report.changes == 13 && report.records == 5)
        }
        try writer.close()
    }

    @Test func honestReplicaVerifies() throws {
        let report = try verifyAfter { _ in }
        #expect(report.isValid)
        #expect(report.replicas == 2)
        #expect(report.changes == 13)
        #expect(report.records == 5)
    }

    @Test func alteredValueInTheLogBreaksTheChain() throws {
        let report = try verifyAfter { db in
            // Re-stamp the first run of replica bb: its hash changes, so the second run no longer chains to it.
            let replica = "(SELECT idx FROM accord_replica WHERE id = '00000000000000bb')"
            var hasher = ChangeHasher()
            let stored = try #require(try Data.fetchOne(db, sql: "SELECT runs FROM accord_log WHERE replica = \(replica) AND first_seq = 1"))
            let runs = try LogSegment.chain(Array(stored), author: ReplicaID("00000000000000bb")!, firstSeq: 1, previousHash: nil, hasher: &hasher).runs
            var restamped = ByteWriter(), scratch = ByteWriter()
            for var run in runs {
                run.entries = run.entries.map { ChangeRun.Entry(hlc: HLC(rawValue: $0.hlc.rawValue + 1), field: $0.field, element: $0.element, value: $0.value) }
                LogSegment.append(run, to: &restamped, scratch: &scratch)
            }
            try db.execute(sql: "UPDATE accord_log SET runs = ? WHERE replica = \(replica) AND first_seq = 1", arguments: [Data(restamped.bytes)])
        }
        // Its author's signature over it no longer verifies, the next run no longer chains to it,
        // and the stamps kept in the record's row are no longer those of a replay.
        #expect(report.problems.map(\.rule) == ["signature-invalid", "chain-broken", "table-mismatch"])
        #expect(report.problems.prefix(2).allSatisfy { $0.replica == ReplicaID("00000000000000bb") })
        #expect(report.problems.prefix(2).map(\.seq) == [3, 4])
        #expect(report.problems.last?.message.contains("alert_upload.accord_stamps") == true)
    }

    @Test func alteredBodyOfTheLastRunMismatchesTheHead() throws {
        let report = try verifyAfter { db in
            let sql = "SELECT runs FROM accord_log WHERE replica = (SELECT idx FROM accord_replica WHERE id = '00000000000000bb') AND first_seq = 7"
            var body = try Data.fetchOne(db, sql: sql)!
            let range = try #require(body.range(of: Data("online".utf8)))
            body.replaceSubrange(range, with: Data("onlinf".utf8))
            try db.execute(sql: "UPDATE accord_log SET runs = ? WHERE first_seq = 7", arguments: [body])
        }
        let rules = Set(report.problems.map(\.rule))
        #expect(rules.contains("head-mismatch"))
        #expect(rules.contains("schema"), "\"onlinf\" is not a status")
        #expect(rules.contains("table-mismatch"), "the table still says online")
    }

    @Test func deletedChangeLeavesAGap() throws {
        let report = try verifyAfter { db in
            try db.execute(sql: "DELETE FROM accord_log WHERE first_seq = 4 AND replica = (SELECT idx FROM accord_replica WHERE id = '00000000000000bb')")
        }
        #expect(report.problems.contains { $0.rule == "chain-gap" && $0.replica == ReplicaID("00000000000000bb") && $0.seq == 7 })
        let orphan = RecordID.alert(contributor: OfficeCode("KE")!, normalizedDomain: "two.example").rawValue
        #expect(report.problems.contains { $0.rule == "table-extra-row" && $0.record == orphan },
                "the table still holds a row for the record whose only change was deleted")
    }

    @Test func deletedLastChangeMismatchesTheHead() throws {
        let report = try verifyAfter { db in
            try db.execute(sql: "DELETE FROM accord_log WHERE first_seq = 3 AND replica = (SELECT idx FROM accord_replica WHERE id = '00000000000000aa')")
        }
        #expect(report.problems.contains { $0.rule == "head-mismatch" && $0.replica == ReplicaID("00000000000000aa") })
    }

    @Test func reorderedSequenceNumbersBreakTheChain() throws {
        let report = try verifyAfter { db in
            let replica = "(SELECT idx FROM accord_replica WHERE id = '00000000000000bb')"
            try db.execute(sql: "UPDATE accord_log SET first_seq = -4, last_seq = -6 WHERE replica = \(replica) AND first_seq = 4")
            try db.execute(sql: "UPDATE accord_log SET first_seq = 4, last_seq = 6 WHERE replica = \(replica) AND first_seq = 7")
            try db.execute(sql: "UPDATE accord_log SET first_seq = 7, last_seq = 9 WHERE replica = \(replica) AND first_seq = -4")
        }
        #expect(report.problems.contains { $0.rule == "chain-broken" && $0.seq == 4 })
    }

    @Test func alteredReceiptTimeIsNamed() throws {
        let report = try verifyAfter { db in
            // Back-date when the other laptop's changes arrived: `--as-of` would show them a day early.
            try db.execute(sql: "UPDATE accord_log SET received = received - 86400000 WHERE replica = (SELECT idx FROM accord_replica WHERE id = '00000000000000aa')")
        }
        #expect(report.problems.map(\.rule) == ["receipt-mismatch"])
    }

    @Test func removedRunAndReceiptsAreBothNamed() throws {
        let report = try verifyAfter { db in
            try db.execute(sql: "DELETE FROM accord_log WHERE first_seq = 3 AND replica = (SELECT idx FROM accord_replica WHERE id = '00000000000000aa')")
        }
        #expect(report.problems.contains { $0.rule == "receipt-mismatch" })
        #expect(report.problems.contains { $0.rule == "head-mismatch" && $0.replica == ReplicaID("00000000000000aa") })
    }

    @Test func editedTableRowIsNamed() throws {
        let record = RecordID.alert(contributor: OfficeCode("KE")!, normalizedDomain: "two.example")
        let report = try verifyAfter { db in
            try db.execute(sql: "UPDATE alert_upload SET status = 'offline' WHERE id = ?", arguments: [record.rawValue])
        }
        #expect(report.problems.count == 1)
        #expect(report.problems.first?.rule == "table-mismatch")
        #expect(report.problems.first?.record == record.rawValue)
        #expect(report.problems.first?.message.contains("alert_upload.status") == true)
    }

    @Test func insertedAndDeletedTableRowsAreNamed() throws {
        let removed = RecordID.alert(contributor: OfficeCode("KE")!, normalizedDomain: "one.example")
        let report = try verifyAfter { db in
            try db.execute(sql: "DELETE FROM alert_upload WHERE id = ?", arguments: [removed.rawValue])
            try db.execute(sql: "INSERT INTO alert_upload (id, owner, contributor, deleted, domain, accord_stamps) VALUES ('alert-KE-forged', 'KE', 'KE', 0, 'forged.example', x'01')")
        }
        #expect(report.problems.contains { $0.rule == "table-mismatch" && $0.record == removed.rawValue })
        #expect(report.problems.contains { $0.rule == "table-extra-row" && $0.record == "alert-KE-forged" })
    }

    @Test func swappedSignatureIsNamed() throws {
        let report = try verifyAfter { db in
            // Replica bb's signature over its first commit replaces the one over its second.
            try db.execute(sql: """
                UPDATE accord_signature SET signature = (SELECT signature FROM accord_signature s WHERE s.replica = accord_signature.replica AND s.seq = 3)
                WHERE seq = 6 AND replica = (SELECT idx FROM accord_replica WHERE id = '00000000000000bb')
                """)
        }
        #expect(report.problems.contains { $0.rule == "signature-invalid" && $0.replica == ReplicaID("00000000000000bb") && $0.seq == 6 })
    }

    @Test func deletedSignaturesLeaveChangesUnsigned() throws {
        let report = try verifyAfter { db in
            try db.execute(sql: "DELETE FROM accord_signature WHERE seq = 9 AND replica = (SELECT idx FROM accord_replica WHERE id = '00000000000000bb')")
        }
        #expect(report.problems.map(\.rule) == ["unsigned"])
        #expect(report.problems.first?.seq == 7)
    }

    @Test func changeMovedToAnotherReplicasChainFailsItsSignature() throws {
        let report = try verifyAfter { db in
            // Replica aa's first run re-labelled as replica bb's tenth and later changes: it claims another author.
            try db.execute(sql: """
                UPDATE accord_log SET replica = (SELECT idx FROM accord_replica WHERE id = '00000000000000bb'), first_seq = 10, last_seq = 11
                WHERE first_seq = 1 AND replica = (SELECT idx FROM accord_replica WHERE id = '00000000000000aa')
                """)
        }
        #expect(report.problems.contains { $0.replica == ReplicaID("00000000000000bb") && $0.seq == 10 && $0.rule == "chain-broken" })
        #expect(report.problems.contains { $0.replica == ReplicaID("00000000000000aa") && $0.rule == "chain-gap" })
    }

    @Test func aReplicaWithoutAKnownKeyIsNamed() throws {
        let report = try verifyAfter { db in
            try db.execute(sql: "UPDATE accord_replica SET public_key = NULL WHERE id = '00000000000000aa'")
        }
        #expect(report.problems.map(\.rule) == ["unknown-key"])
        #expect(report.problems.first?.replica == ReplicaID("00000000000000aa"))
    }

    @Test func aReplacedOwnKeyIsNamed() throws {
        let report = try verifyAfter { db in
            try db.execute(sql: "UPDATE accord_replica SET public_key = (SELECT public_key FROM accord_replica WHERE id = '00000000000000aa') WHERE id = '00000000000000bb'")
        }
        #expect(report.problems.contains { $0.rule == "key-mismatch" && $0.replica == ReplicaID("00000000000000bb") })
        #expect(report.problems.contains { $0.rule == "signature-invalid" && $0.replica == ReplicaID("00000000000000bb") })
    }

    @Test func changesOfAnotherOfficeAreUnauthorized() throws {
        let report = try verifyAfter { db in
            // Claim that replica aa belongs to France: its changes to Kenyan ALERT entries are not authorised.
            try db.execute(sql: "UPDATE accord_replica SET office = 'FR' WHERE id = '00000000000000aa'")
        }
        #expect(report.problems.map(\.rule) == ["unauthorized", "unauthorized"])
        #expect(report.problems.allSatisfy { $0.replica == ReplicaID("00000000000000aa") })
    }

    @Test func aRegistryRecordNotBySecretariatIsUnauthorized() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("accord-verify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let kenya = OfficeCode("KE")!
        let nairobi = ReplicaID("00000000000000bb")!
        let key = ReplicaSigningKey()
        let store = try ReplicaStore.create(at: folder.appendingPathComponent("main.sqlite").path,
                                            identity: ReplicaIdentity(id: nairobi, office: kenya, role: .office, name: "nairobi"), signingKey: key)
        try store.write(RecordID.alert(contributor: kenya, normalizedDomain: "one.example"), [FieldWrite(field: "domain", value: .string("one.example"))])
        var hasher = ChangeHasher()
        let head = try #require(store.missingChanges(for: VersionVector(), limit: 100).runs.last?.lastHash(hasher: &hasher))
        try store.close()

        // The office's own replica appends a registry record to its chain — chained and signed with
        // its real key, so only the authorisation rule can catch it: the registry is the secretariat's.
        let forged = ChangeRun(author: nairobi, firstSeq: 2, record: RecordID.registry(of: ReplicaID("00000000000000cc")!, secretariat: OfficeCode("WIPO")!),
                               previousHash: head, entries: [
                                   .init(hlc: HLC(millis: 1_767_225_600_000), field: "office", value: .string("KE")),
                                   .init(hlc: HLC(millis: 1_767_225_600_000, counter: 1), field: "role", value: .string("secretariat")),
                                   .init(hlc: HLC(millis: 1_767_225_600_000, counter: 2), field: "public_key", value: .string(String(repeating: "ab", count: 32))),
                               ])
        let lastHash = try #require(forged.lastHash(hasher: &hasher))
        let signature = try key.sign(author: nairobi, seq: forged.lastSeq, hash: lastHash)
        var runs = ByteWriter(), scratch = ByteWriter()
        LogSegment.append(forged, to: &runs, scratch: &scratch)
        let raw = try DatabaseQueue(path: store.path)
        try raw.write { db in
            let index = try #require(try Int64.fetchOne(db, sql: "SELECT idx FROM accord_replica WHERE id = ?", arguments: [nairobi.rawValue]))
            try db.execute(sql: "INSERT INTO accord_log (replica, first_seq, last_seq, received, prev_hash, runs) VALUES (?, 2, 4, 0, ?, ?)",
                           arguments: [index, Data(head.bytes), Data(runs.bytes)])
            try db.execute(sql: "UPDATE accord_replica SET head_seq = 4, head_hash = ? WHERE idx = ?", arguments: [Data(lastHash.bytes), index])
            try db.execute(sql: "INSERT INTO accord_signature VALUES (?, 4, ?)", arguments: [index, Data(signature.bytes)])
            // A consistent forgery: the receipt digest accounts for the added run too.
            var receipts = try #require(ReceiptDigest(hex: String.fetchOne(db, sql: "SELECT value FROM accord_meta WHERE key = 'receipts'")!))
            receipts.add(author: nairobi, firstSeq: 2, lastSeq: 4, received: 0)
            try db.execute(sql: "UPDATE accord_meta SET value = ? WHERE key = 'receipts'", arguments: [receipts.hex])
        }
        try raw.close()
        let reopened = try ReplicaStore.open(at: store.path)
        try reopened.rebuild()
        let report = try reopened.verify()
        #expect(report.problems.map(\.rule) == ["unauthorized"])
        #expect(report.problems.first?.replica == nairobi)
        #expect(report.problems.first?.seq == 2)
        #expect(report.problems.first?.message.contains("registry-secretariat-only") == true)
    }
}
