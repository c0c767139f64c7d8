/// How a field's values are checked and normalised.
public enum FieldType: Sendable, Equatable {
    /// Free text, trimmed and NFC-normalised.
    case text
    /// One of a fixed list of lowercase words.
    case choice([String])
    /// An ISO 3166-1 alpha-2 code.
    case country
    /// `YYYY-MM-DD`, a real calendar day.
    case date
    /// A whole number ≥ 0.
    case count
    /// A year between 1900 and 2999.
    case year
    /// A BCP 47 language tag such as `fr`, `pt-BR` or `zh-Hant`.
    case language
    /// A domain name or app identifier, normalised (see `DomainName`).
    case domain
    /// An ISO 3166-1 alpha-2 code or a region name such as `ASEAN`.
    case jurisdiction
    /// A set of free-text names.
    case textSet
    /// A set of ISO 3166-1 alpha-2 codes.
    case countrySet
    /// A set of lowercase tags (`judges`, `customs`, …).
    case tagSet
    /// An office code: ISO 3166-1 alpha-2 or `WIPO`.
    case office
    /// Exactly this many bytes as lowercase hexadecimal (keys, fingerprints).
    case hex(bytes: Int)

    public var isSet: Bool {
        switch self {
        case .textSet, .countrySet, .tagSet: true
        default: false
        }
    }
}

/// One field of a collection, by its interchange name.
public struct FieldSpec: Sendable, Equatable {
    public let name: String
    public let type: FieldType
    public let required: Bool

    init(_ name: String, _ type: FieldType, required: Bool = false) {
        self.name = name
        self.type = type
        self.required = required
    }
}

/// The fields of one collection. The order of `fields` is part of the storage format (a field
/// is stored by its position): new fields are only ever appended.
///
/// A class, so that the schema lookups of every change (check, encode, merge) share one
/// instance instead of copying its arrays.
public final class RecordSchema: Sendable {
    public let kind: RecordKind
    public let fields: [FieldSpec]
    /// Positions of the fields by the UTF-8 length of their names: `byLength[lengthStart[n] ..<
    /// lengthStart[n + 1]]` are those of length n. Finding a name compares it with the one or
    /// two names of its length, which costs less than hashing it (every change looks its field up).
    private let lengthStart: [Int]
    private let byLength: [Int]

    init(kind: RecordKind, fields: [FieldSpec]) {
        self.kind = kind
        self.fields = fields
        let longest = fields.map(\.name.utf8.count).max() ?? 0
        var start = [0]
        var positions: [Int] = []
        for length in 0...longest {
            positions += fields.indices.filter { fields[$0].name.utf8.count == length }
            start.append(positions.count)
        }
        lengthStart = start
        byLength = positions
    }

    public func field(named name: String) -> FieldSpec? { position(of: name).map { fields[$0] } }

    public func position(of name: String) -> Int? {
        let length = name.utf8.count
        guard length + 1 < lengthStart.count else { return nil }
        for index in lengthStart[length] ..< lengthStart[length + 1] where fields[byLength[index]].name == name {
            return byLength[index]
        }
        return nil
    }

    public static func of(_ kind: RecordKind) -> RecordSchema {
        switch kind {
        case .activity: activity
        case .trainingVariant: trainingVariant
        case .alertUpload: alertUpload
        case .replica: replica
        }
    }

    public static let activity = RecordSchema(kind: .activity, fields: [
        FieldSpec("title", .text, required: true),
        FieldSpec("title_en", .text),
        FieldSpec("kind", .choice(["workshop", "seminar", "webinar", "conference", "meeting", "forum",
                                    "training", "symposium", "roundtable", "other"])),
        FieldSpec("mode", .choice(["in_person", "online", "hybrid"])),
        FieldSpec("city", .text),
        FieldSpec("host_country", .country),
        FieldSpec("start_date", .date),
        FieldSpec("end_date", .date),
        FieldSpec("organizers", .textSet),
        FieldSpec("participant_count", .count),
        FieldSpec("participating_countries", .countrySet),
        FieldSpec("audience", .tagSet),
        FieldSpec("wipo_role", .choice(["organizer", "co-organizer", "speaker", "observer", "presenter", "other"])),
        FieldSpec("notes", .text),
    ])

    public static let trainingVariant = RecordSchema(kind: .trainingVariant, fields: [
        FieldSpec("material", .text, required: true),
        FieldSpec("material_title", .text),
        FieldSpec("variant_kind", .choice(["language", "regional", "national", "format", "simplified"])),
        FieldSpec("language", .language),
        FieldSpec("jurisdiction", .jurisdiction),
        FieldSpec("year", .year),
        FieldSpec("format", .choice(["video", "print", "online", "web", "document", "toolkit", "handbook"])),
        FieldSpec("partners", .textSet),
        FieldSpec("status", .choice(["draft", "review", "published", "withdrawn"])),
        FieldSpec("notes", .text),
    ])

    /// `contributor` is not a stored field: it is the owner, which is part of the record id.
    public static let alertUpload = RecordSchema(kind: .alertUpload, fields: [
        FieldSpec("domain", .domain, required: true),
        FieldSpec("kind", .choice(["website", "app"])),
        FieldSpec("category", .choice(["streaming", "torrent", "cyberlocker", "live_sports", "manga", "music",
                                        "ebooks", "iptv", "other"])),
        FieldSpec("status", .choice(["online", "offline"])),
        FieldSpec("listed_on", .date),
        FieldSpec("removed_on", .date),
        FieldSpec("legal_basis", .text),
        FieldSpec("redirects_to", .domain),
        FieldSpec("notes", .text),
    ])

    /// The replica registry: the record id is `replica-<secretariat office>-<replica id>`.
    public static let replica = RecordSchema(kind: .replica, fields: [
        FieldSpec("office", .office, required: true),
        FieldSpec("role", .choice(ReplicaRole.allCases.map(\.rawValue)), required: true),
        FieldSpec("name", .text),
        FieldSpec("public_key", .hex(bytes: 32), required: true),
        FieldSpec("certificate_fingerprint", .hex(bytes: 32)),
        FieldSpec("first_seen", .date),
    ])

    /// Pairs of date fields where the second may not be before the first.
    public var dateOrder: [(earlier: String, later: String)] {
        switch kind {
        case .activity: [("start_date", "end_date")]
        case .alertUpload: [("listed_on", "removed_on")]
        case .trainingVariant, .replica: []
        }
    }
}
