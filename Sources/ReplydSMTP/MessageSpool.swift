#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The part of a message in DATA that has passed the session's spool threshold, in an unlinked
/// temporary file: a thousand unfinished 10 MB transfers then cost disk, not memory, and a crash
/// leaves nothing behind to clean up. Written on the event loop in chunks (page-cache writes, no
/// fsync: the message is only promised once it is committed to the store), read back once, off the
/// loop, when the message is committed.
final class MessageSpool: Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let fd: Int32

    init(directory: String) throws(Failure) {
        var template = Array((directory + "/replyd-spool-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw Failure(description: "cannot create a spool file in \(directory): \(String(cString: strerror(errno)))") }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        self.fd = fd
    }

    deinit { close(fd) }

    func append(_ bytes: [UInt8]) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot write the spool file: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }

    /// Everything appended so far, followed by `tail`.
    func contents(followedBy tail: [UInt8]) throws(Failure) -> [UInt8] {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw Failure(description: "cannot stat the spool file: \(String(cString: strerror(errno)))") }
        let size = Int(info.st_size)
        var result = [UInt8](repeating: 0, count: size + tail.count)
        var offset = 0
        while offset < size {
            let count = result.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + offset, size - offset, off_t(offset)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw Failure(description: "cannot read the spool file: \(String(cString: strerror(errno)))") }
            offset += count
        }
        result.replaceSubrange(size..., with: tail)
        return result
    }
}
