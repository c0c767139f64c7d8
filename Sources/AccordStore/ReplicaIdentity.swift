import AccordCore

/// Who this replica is: set once by `accord init` and never changed.
public struct ReplicaIdentity: Sendable, Hashable {
    public var id: ReplicaID
    public var office: OfficeCode
    public var role: ReplicaRole
    /// The human name (`nairobi-laptop-1`), also the certificate's common name.
    public var name: String

    public init(id: ReplicaID, office: OfficeCode, role: ReplicaRole, name: String) {
        self.id = id
        self.office = office
        self.role = role
        self.name = name
    }

    public var author: Author { Author(office: office, role: role) }

    /// Replica names: 1–64 characters of letters, digits, `.`, `_` and `-`, not starting with `.`.
    public static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && !name.hasPrefix(".")
            && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)) }
    }
}
