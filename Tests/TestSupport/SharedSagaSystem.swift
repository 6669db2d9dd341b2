import Testing

extension SagaSystem {
    /// The system shared by the tests of a suite marked `.sharedSagaSystem()`; nil elsewhere.
    @TaskLocal public static var shared: SagaSystem?

    /// The shared system of the current suite, or an error saying the trait is missing.
    public static func requireShared() throws -> SagaSystem {
        guard let shared else {
            throw ServiceProcessError("no shared SagaSystem: mark the suite with `.sharedSagaSystem()`")
        }
        return shared
    }
}

/// Runs one `SagaSystem` around a whole suite (started before its first test, stopped after
/// its last), for suites whose tests do not disturb each other, such as input validation.
public struct SharedSagaSystemTrait: SuiteTrait, TestScoping {
    public let configuration: SagaConfiguration

    public var isRecursive: Bool { false }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await withSagaSystem(configuration) { system in
            try await SagaSystem.$shared.withValue(system) {
                try await function()
            }
        }
    }
}

extension Trait where Self == SharedSagaSystemTrait {
    /// One `SagaSystem` for the whole suite; tests get it with `SagaSystem.requireShared()`.
    public static func sharedSagaSystem(_ configuration: SagaConfiguration = SagaConfiguration()) -> Self {
        SharedSagaSystemTrait(configuration: configuration)
    }
}
