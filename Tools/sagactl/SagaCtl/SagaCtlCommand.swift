import ArgumentParser
import SagaCtlKit

/// `sagactl`: the operator's command line for the saga services, over their HTTP APIs only.
struct SagaCtlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sagactl",
        abstract: "Operate the saga services: orders, parked messages, the projection, status.",
        discussion: """
            Talks to the services' HTTP APIs only. Base URLs come from --order-url … --projection-url, \
            else SAGACTL_ORDER_URL … SAGACTL_PROJECTION_URL, else localhost:8081 … 8084 (make run). \
            Admin commands need --admin-token or ADMIN_TOKEN. Errors print the service's error code \
            and message on stderr (and {"error":{"code","message"}} on stdout with --json).

            \(ExitStatus.help)
            """,
        subcommands: [OrderCommand.self, DeadLettersCommand.self, ProjectionCommand.self, StatusCommand.self]
    )
}
