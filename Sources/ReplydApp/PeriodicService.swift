import ServiceLifecycle

/// Runs `work` every `interval` until graceful shutdown: the directory re-read (mailboxes and lists
/// created by another process, such as the command line beside a running server) and retention.
struct PeriodicService: Service {
    let interval: Duration
    /// Run once at start, or only after the first interval.
    let startImmediately: Bool
    let work: @Sendable () async -> Void

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var first = true
            while !Task.isCancelled {
                if !(first && startImmediately) {
                    try? await Task.sleep(for: interval)
                    guard !Task.isCancelled else { return }
                }
                first = false
                await work()
            }
        }
    }
}
