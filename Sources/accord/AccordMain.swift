import AccordCLI
import ArgumentParser

/// The `accord` executable: everything lives in AccordCLI, so tests and other tools can reuse it.
@main
struct AccordMain: AsyncMainProtocol {
    typealias Command = AccordCommand
}
