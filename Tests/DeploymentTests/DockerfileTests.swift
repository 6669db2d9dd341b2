import Testing

/// The Dockerfile must put every product into the one runtime image compose.yaml runs.
@Suite("Dockerfile")
struct DockerfileTests {
    let files: DeploymentFiles

    init() throws {
        files = try DeploymentFiles()
    }

    @Test func buildsInOneStageAndRunsInAnother() throws {
        let dockerfile = files.dockerfile
        #expect(dockerfile.stages.count >= 2, "a multi-stage build")
        let build = try #require(dockerfile.stages.first)
        #expect(build.contains { $0.keyword == "RUN" && $0.arguments.contains("swift build -c release --static-swift-stdlib") })
        #expect(build.contains { $0.keyword == "RUN" && $0.arguments.contains("librabbitmq-dev") })
    }

    @Test(arguments: DeploymentFiles.contractPorts.keys.sorted())
    func dockerfileCopiesEveryProductIntoTheRuntimeImage(product: String) throws {
        #expect(files.products.contains(product), "\(product) is not a product of Package.swift")
        let dockerfile = files.dockerfile
        let buildStages = dockerfile.stages.dropLast()
        // The product is taken out of the build stage's output...
        let staged = buildStages.flatMap { $0 }.contains { instruction in
            instruction.keyword == "RUN"
                && instruction.arguments.split(whereSeparator: { " ;\"/".contains($0) }).contains { $0 == product }
        }
        #expect(staged, "no build stage stages \(product)")
        // ...and copied from that stage onto the PATH of the runtime image.
        let stageNames = Set(buildStages.compactMap(Dockerfile.name(of:)))
        let copies = dockerfile.runtimeStage.filter { $0.keyword == "COPY" }.map { $0.arguments.split(separator: " ").map(String.init) }
        let copy = copies.first { words in
            guard let from = words.first(where: { $0.hasPrefix("--from=") }), stageNames.contains(String(from.dropFirst(7))) else {
                return false
            }
            let paths = words.filter { !$0.hasPrefix("--") }
            return paths.count == 2 && paths[0].split(separator: "/").last.map(String.init) == product
        }
        let destination = try #require(copy?.last, "the runtime stage does not COPY --from a build stage \(product)")
        #expect(destination == "/usr/local/bin/\(product)" || destination == "/usr/local/bin/")
    }

    @Test func runtimeImageRunsAsANonRootUserAndLogsJSON() throws {
        let runtime = files.dockerfile.runtimeStage
        #expect(files.dockerfile.baseImage(of: runtime)?.hasPrefix("debian:") == true, "runtime base image")
        let user = try #require(runtime.last { $0.keyword == "USER" }, "the runtime stage sets no USER")
        let name = user.arguments.split(separator: ":").first.map(String.init)
        #expect(name != "root" && name != "0")
        let environment = runtime.filter { $0.keyword == "ENV" }.map(\.arguments).joined(separator: " ")
        #expect(environment.split(separator: " ").contains("LOG_FORMAT=json"))
        let installs = runtime.filter { $0.keyword == "RUN" }.map(\.arguments).joined(separator: " ")
        for library in ["librabbitmq4", "libsqlite3-0"] {
            #expect(installs.contains(library), "the runtime stage does not install \(library)")
        }
    }

    @Test func buildsOnlyTheServiceProductsStrippedWithTheSwiftRuntimeLinkedIn() throws {
        let build = try #require(files.dockerfile.stages.first)
        let compile = try #require(build.first { $0.keyword == "RUN" && $0.arguments.contains("swift build -c release") })
        #expect(compile.arguments.contains("--static-swift-stdlib"))
        // A plain `swift build` also builds the test support target, which the static SDK cannot.
        #expect(compile.arguments.contains("--product"), "the build must name the products it builds")
        #expect(compile.arguments.contains("strip "), "the binaries must be stripped")
    }

    @Test func baseImagesAreBuildArgumentsDefaultingToSwift63AndDebianSlim() throws {
        let dockerfile = files.dockerfile
        let build = try #require(dockerfile.stages.first)
        let builder = try #require(Dockerfile.baseImageArgument(of: build), "the build stage's FROM is not a build argument")
        let runtime = try #require(Dockerfile.baseImageArgument(of: dockerfile.runtimeStage), "the runtime stage's FROM is not a build argument")
        // The Swift version the project is developed and tested with.
        #expect(dockerfile.globalArguments[builder] == "swift:6.3-bookworm")
        #expect(dockerfile.globalArguments[runtime] == "debian:bookworm-slim")
        // compose.yaml passes the same arguments, defaulting to the same images.
        let compose = try ComposeFile(source: files.composeSource)
        for (name, service) in compose.applicationServices.sorted(by: { $0.key < $1.key }) {
            for argument in [builder, runtime] {
                let value = service["build"]?["args"]?[argument]?.string
                #expect(value == "${\(argument):-\(dockerfile.globalArguments[argument] ?? "")}", "\(name) build.args.\(argument)")
            }
        }
    }

    @Test func buildContextLeavesOutBuildOutputLocalDataAndGit() {
        for entry in [".build", "data", ".git"] {
            #expect(files.dockerignore.contains(entry), ".dockerignore lacks \(entry)")
        }
    }
}
