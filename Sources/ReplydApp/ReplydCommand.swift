import ArgumentParser

public struct ReplydCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "replyd",
        abstract: "An autoresponder gateway for e-mail and SMS.",
        version: "0.1.0",
        subcommands: [ServeCommand.self, CheckConfigCommand.self, LogCommand.self, VacationCommand.self, MailListCommand.self, OpenAPICommand.self, PruneCommand.self, StatusCommand.self, NotifyCommand.self,
                      ContactsCommand.self, ExplainCommand.self, SimulateCommand.self, QueueCommand.self, SMSCommand.self, DKIMCommand.self,
                      CheckSenderCommand.self])

    public init() {}
}
