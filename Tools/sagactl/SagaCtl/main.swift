import ArgumentParser
import Foundation
import SagaCtlKit

/// Runs the command and turns every failure into one of the documented exit codes
/// (ArgumentParser's own usage errors included, which would otherwise exit 64).
func runSagaCtl() async -> Int32 {
    let arguments = Array(CommandLine.arguments.dropFirst())
    let json = arguments.contains("--json")
    do {
        var command = try SagaCtlCommand.parseAsRoot(arguments)
        if var asyncCommand = command as? any AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try command.run()
        }
        return ExitStatus.ok.rawValue
    } catch let failure as SagaCtlError {
        FileHandle.standardError.write(Data("sagactl: error: \(failure.code): \(failure.message)\n".utf8))
        if json, let text = try? JSONValue.render(failure.json) { print(text) }
        return failure.status.rawValue
    } catch let exit as ExitCode {
        return exit.rawValue
    } catch {
        let code = SagaCtlCommand.exitCode(for: error)
        let message = SagaCtlCommand.fullMessage(for: error)
        if code == .success {
            print(message)
            return ExitStatus.ok.rawValue
        }
        FileHandle.standardError.write(Data("\(message)\n".utf8))
        return ExitStatus.usage.rawValue
    }
}

exit(await runSagaCtl())
