import AccordCore
import AccordStore

/// Decodes the payload of a wire batch (after decompression). Every count is checked against
/// the bytes left and the limits before anything is reserved, every index and identifier is
/// validated, and errors name the author or run at fault and the byte offset.
struct WireBatchDecoder {
    private var reader: ByteReader
    private let limits: WireLimits

    init(payload: [UInt8], limits: WireLimits) {
        self.reader = ByteReader(payload)
        self.limits = limits
    }

    private var remaining: Int { reader.bytes.count - reader.offset }

    /// Runs one primitive read, turning its failure into a message that says what was being read.
    private mutating func read<T>(_ what: @autoclosure () -> String,
                                  _ body: (inout ByteReader) throws(DecodingFailure) -> T) throws(WireFormatError) -> T {
        do { return try body(&reader) } catch {
            throw .malformed("\(what()) at payload byte \(error.offset): \(error.reason)")
        }
    }

    mutating func decode() throws(WireFormatError) -> ChangeBatch {
        let (authors, infos) = try decodeAuthors()
        let runs = try decodeRuns(authors: authors)
        let signatures = try decodeSignatures(authors: authors)
        guard reader.isAtEnd else { throw .malformed("\(remaining) bytes follow the last signature") }
        return ChangeBatch(authors: infos, runs: runs, signatures: signatures)
    }

    private mutating func decodeAuthors() throws(WireFormatError) -> ([ReplicaID], [ReplicaID: AuthorInfo]) {
        let count = try read("the author count") { r throws(DecodingFailure) in try r.varint() }
        guard count <= UInt64(limits.maxAuthors) else {
            throw .tooLarge("the author count", found: Int(clamping: count), limit: limits.maxAuthors)
        }
        // An author takes at least 9 bytes: refuse impossible counts before reserving memory.
        guard count <= UInt64(remaining / 9) else { throw .malformed("\(count) authors declared in \(remaining) bytes") }
        var authors: [ReplicaID] = []
        authors.reserveCapacity(Int(count))
        var seen: Set<ReplicaID> = []
        var infos: [ReplicaID: AuthorInfo] = [:]
        for number in 0..<Int(count) {
            let raw = try read("author \(number)'s replica id") { r throws(DecodingFailure) in try r.raw(8) }
            let id = ReplicaIDBytes.id(from: raw)
            guard seen.insert(id).inserted else { throw .malformed("author \(number) (replica \(id)) is listed twice") }
            authors.append(id)
            let flags = try read("author \(number)'s flags") { r throws(DecodingFailure) in try r.byte() }
            guard flags & ~7 == 0, flags & 6 == 0 || flags & 1 != 0 else {
                throw .malformed("author \(number) (replica \(id)) has invalid flags \(flags)")
            }
            guard flags & 1 != 0 else { continue }
            let officeText = try read("author \(number)'s office") { r throws(DecodingFailure) in try r.string() }
            guard let office = OfficeCode(officeText) else {
                throw .malformed("author \(number) (replica \(id)) declares office \"\(officeText.prefix(40))\", which is neither an ISO 3166-1 alpha-2 code nor WIPO")
            }
            let roleCode = try read("author \(number)'s role") { r throws(DecodingFailure) in try r.byte() }
            guard let role = RoleCode.role(of: roleCode) else {
                throw .malformed("author \(number) (replica \(id)) declares role code \(roleCode) (0 office, 1 secretariat, 2 auditor)")
            }
            var name: String?
            if flags & 2 != 0 {
                let text = try read("author \(number)'s name") { r throws(DecodingFailure) in try r.string() }
                guard ReplicaIdentity.isValidName(text) else {
                    throw .malformed("author \(number) (replica \(id)) declares name \"\(text.prefix(70))\", which is not a replica name (1–64 letters, digits, '.', '_', '-')")
                }
                name = text
            }
            var key: ReplicaPublicKey?
            if flags & 4 != 0 {
                let bytes = try read("author \(number)'s public key") { r throws(DecodingFailure) in try r.raw(32) }
                guard let valid = ReplicaPublicKey(bytes: bytes) else {
                    throw .malformed("author \(number) (replica \(id)) declares a public key that is not an Ed25519 key")
                }
                key = valid
            }
            infos[id] = AuthorInfo(author: Author(office: office, role: role), name: name, publicKey: key)
        }
        return (authors, infos)
    }

    private mutating func decodeSignatures(authors: [ReplicaID]) throws(WireFormatError) -> [CommitSignature] {
        let count = try read("the signature count") { r throws(DecodingFailure) in try r.varint() }
        // A signature takes at least 66 bytes.
        guard count <= UInt64(remaining / 66) else { throw .malformed("\(count) signatures declared in \(remaining) bytes") }
        var signatures: [CommitSignature] = []
        signatures.reserveCapacity(Int(count))
        for number in 0..<Int(count) {
            let authorIndex = try read("signature \(number)'s author") { r throws(DecodingFailure) in try r.varint() }
            guard authorIndex < UInt64(authors.count) else {
                throw .malformed("signature \(number) names author \(authorIndex), but the batch lists \(authors.count) authors")
            }
            let seq = try read("signature \(number)'s sequence number") { r throws(DecodingFailure) in try r.varint() }
            guard seq >= 1 else { throw .malformed("signature \(number) (replica \(authors[Int(authorIndex)])) signs sequence number 0") }
            let bytes = try read("signature \(number)'s bytes") { r throws(DecodingFailure) in try r.raw(64) }
            signatures.append(CommitSignature(author: authors[Int(authorIndex)], seq: seq, bytes: bytes))
        }
        return signatures
    }

    private mutating func decodeRuns(authors: [ReplicaID]) throws(WireFormatError) -> [ChangeRun] {
        let count = try read("the run count") { r throws(DecodingFailure) in try r.varint() }
        // A run takes at least 8 bytes (and one change of at least 3).
        guard count <= UInt64(remaining / 8) else { throw .malformed("\(count) runs declared in \(remaining) bytes") }
        var runs: [ChangeRun] = []
        runs.reserveCapacity(Int(count))
        var changes = 0
        var base: UInt64 = 0
        var hasher = ChangeHasher()
        // Per author: the position of its latest run in `runs`, hashed only if a later run chains to it.
        var tails: [ReplicaID: Int] = [:]
        for number in 0..<Int(count) {
            let authorIndex = try read("run \(number)'s author") { r throws(DecodingFailure) in try r.varint() }
            guard authorIndex < UInt64(authors.count) else {
                throw .malformed("run \(number) names author \(authorIndex), but the batch lists \(authors.count) authors")
            }
            let author = authors[Int(authorIndex)]
            let firstSeq = try read("run \(number)'s first sequence number") { r throws(DecodingFailure) in try r.varint() }
            let entryCount = try read("run \(number)'s change count") { r throws(DecodingFailure) in try r.varint() }
            guard firstSeq >= 1 else { throw .malformed("run \(number) (replica \(author)) starts at sequence number 0; sequences start at 1") }
            guard entryCount >= 1 else { throw .malformed("run \(number) (replica \(author)) holds no change") }
            guard entryCount <= UInt64(limits.maxChanges - changes) else {
                throw .tooLarge("the number of changes", found: changes + Int(clamping: entryCount), limit: limits.maxChanges)
            }
            guard entryCount <= UInt64(remaining / 3) else { throw .malformed("run \(number) declares \(entryCount) changes in \(remaining) bytes") }
            guard firstSeq <= UInt64.max - entryCount else { throw .malformed("run \(number) (replica \(author)): sequence numbers overflow") }
            let recordText = try read("run \(number)'s record id") { r throws(DecodingFailure) in try r.string() }
            guard let record = RecordID(recordText) else {
                throw .malformed("run \(number) (replica \(author)) names record \"\(recordText.prefix(80))\", which is not a record id (KIND-OWNER-TOKEN)")
            }
            let delta = try read("run \(number)'s clock") { r throws(DecodingFailure) in try r.zigzag() }
            base = base &+ UInt64(bitPattern: delta)
            let marker = try read("run \(number)'s previous-hash marker") { r throws(DecodingFailure) in try r.byte() }
            let previousHash: ChangeHash?
            switch PreviousHash(rawValue: marker) {
            case .none?:
                guard firstSeq == 1 else { throw .malformed("run \(number) (replica \(author), from seq \(firstSeq)) has no previous hash; only a run from seq 1 may omit it") }
                previousHash = nil
            case .explicit?:
                guard firstSeq > 1 else { throw .malformed("run \(number) (replica \(author)) starts at seq 1 but carries a previous hash") }
                let bytes = try read("run \(number)'s previous hash") { r throws(DecodingFailure) in try r.raw(32) }
                previousHash = ChangeHash(bytes: bytes)
            case .chained?:
                guard let tail = tails[author], runs[tail].lastSeq + 1 == firstSeq else {
                    throw .malformed("run \(number) (replica \(author), from seq \(firstSeq)) says it continues the previous run of its author in this batch, but no such run ends at seq \(firstSeq - 1)")
                }
                previousHash = runs[tail].lastHash(hasher: &hasher)
            case nil:
                throw .malformed("run \(number) (replica \(author)) has previous-hash marker \(marker) (0 none, 1 explicit, 2 chained)")
            }
            let entries: [ChangeRun.Entry]
            do {
                entries = try RunBodyCodec.decode(&reader, count: Int(entryCount), kind: record.kind, baseHLC: HLC(rawValue: base))
            } catch {
                throw .malformed("run \(number) (replica \(author), record \(record)) at payload byte \(error.offset): \(error.reason)")
            }
            let run = ChangeRun(author: author, firstSeq: firstSeq, record: record, previousHash: previousHash, entries: entries)
            tails[author] = runs.count
            changes += entries.count
            runs.append(run)
        }
        return runs
    }
}
