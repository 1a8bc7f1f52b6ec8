// The input is a message as DATA stores it: header fields, RFC 2047 encoded words, and
// InboundMessage, which the server builds from every accepted message.
import FuzzSupport
import Foundation
import ReplydCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let headers = HeaderFields.parse(bytes)
    for field in headers.fields {
        invariant(!field.name.isEmpty && field.name.utf8.allSatisfy { $0 > 32 && $0 < 127 && $0 != UInt8(ascii: ":") },
                  "bad field name \(field.name.debugDescription)")
        invariant(!field.value.utf8.contains(UInt8(ascii: "\n")), "unfolded value still holds a LF")
        let trimmed = field.value.utf8
        invariant(trimmed.first != 32 && trimmed.first != 9 && trimmed.last != 32 && trimmed.last != 9, "value not trimmed")
        checkDecode(field.value)
    }
    // The header section ends at the first empty line: whatever follows one cannot change it.
    if bytes.last == UInt8(ascii: "\n") {
        invariant(HeaderFields.parse(bytes + Array("\nX-Body: y\r\n".utf8)) == headers, "body read as header")
    }

    checkDecode(String(decoding: bytes, as: UTF8.self))

    let received = ReceivedMessage(reversePath: .null, recipients: ["jan@example.test"], helo: "client.test", esmtp: true,
                                   remoteAddress: "192.0.2.9", tls: nil, body8bit: true, smtputf8: false, data: bytes)
    let message = InboundMessage(received: received, receivedAt: Date(timeIntervalSince1970: 0))
    invariant(message.headers == headers && message.size == bytes.count, "InboundMessage disagrees with its parts")
    invariant(message.subject == headers.first("Subject").map(EncodedWords.decode), "subject not decoded")
    return 0
}

private func checkDecode(_ text: String) {
    let decoded = EncodedWords.decode(text)
    let utf8 = Array(text.utf8)
    if !zip(utf8, utf8.dropFirst()).contains(where: { $0 == (UInt8(ascii: "="), UInt8(ascii: "?")) }) {
        invariant(decoded == text, "text without encoded words changed")
    }
    // A decoded octet becomes at most three UTF-8 bytes (windows-125x), and every encoded word
    // spends more than one octet of input per octet of output.
    invariant(decoded.utf8.count <= 3 * text.utf8.count, "decoding grew \(text.utf8.count) to \(decoded.utf8.count)")
}
