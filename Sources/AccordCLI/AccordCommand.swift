import ArgumentParser

/// The `accord` command: a thin layer over AccordStore and AccordSync.
public struct AccordCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "accord",
        abstract: "An offline-first replica of IP-office records that syncs with the secretariat's hub.",
        discussion: """
            Start with `accord demo`. Example, a typical office session:

              accord init --db ke.accord --office KE --replica nairobi-1
              accord import alert_upload ke-alert-list.csv --db ke.accord
              accord list alert_upload --db ke.accord
              accord edit alert-KE-... --set status=offline --db ke.accord
              accord history alert-KE-... --db ke.accord

            Every command takes --db PATH (default: $ACCORD_DB).
            """,
        subcommands: [
            InitCommand.self, AddCommand.self, EditCommand.self, DeleteCommand.self, RestoreCommand.self,
            ImportCommand.self, ListCommand.self, ShowCommand.self, HistoryCommand.self, LogCommand.self,
            RebuildCommand.self, VerifyCommand.self, SchemaCommand.self, PKICommand.self, ServeCommand.self,
            SyncCommand.self, DemoCommand.self,
        ]
    )

    public init() {}
}
