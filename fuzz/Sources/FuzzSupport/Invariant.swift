/// Stops the run when an invariant of the code under test does not hold. `precondition` would stop
/// it too, but an optimised build drops its message, and the message says which invariant broke.
public func invariant(_ holds: Bool, _ message: @autoclosure () -> String,
                      file: StaticString = #fileID, line: UInt = #line) {
    if !holds { fatalError("invariant broken: \(message())", file: file, line: line) }
}
