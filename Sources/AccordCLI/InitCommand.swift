import AccordCore
import AccordStore
import ArgumentParser

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a new replica database.",
        discussion: """
            Example:
              accord init --db ke.accord --office KE --replica nairobi-1
              accord init --db hub.accord --office WIPO --replica hub --role secretariat
            """
    )

    @OptionGroup var database: DatabaseOption
    @Option(help: "The office code: ISO 3166-1 alpha-2 (KE, CN, …) or WIPO for the secretariat.") var office: String
    @Option(help: "This replica's name (letters, digits, . _ -), also the certificate's common name.") var replica: String
    @Option(help: "office, secretariat or auditor.") var role: ReplicaRole = .office

    func run() throws {
        guard let code = OfficeCode(office.uppercased()) else {
            throw CLIError("--office \(office): not an ISO 3166-1 alpha-2 country code or WIPO")
        }
        if role == .secretariat && !code.isSecretariat { throw CLIError("--role secretariat needs --office WIPO") }
        if role == .office && code.isSecretariat { throw CLIError("the secretariat's replicas use --role secretariat (or auditor)") }
        guard ReplicaIdentity.isValidName(replica) else {
            throw CLIError("--replica \(replica): use 1–64 letters, digits, '.', '_' or '-', not starting with '.'")
        }
        let identity = ReplicaIdentity(id: .random(), office: code, role: role, name: replica)
        let path = try database.path()
        let store = try ReplicaStore.create(at: path, identity: identity)
        try store.close()
        print("created replica \(replica) (id \(identity.id)) of \(code) as \(role.rawValue) in \(path)")
    }
}

extension ReplicaRole: ExpressibleByArgument {}
