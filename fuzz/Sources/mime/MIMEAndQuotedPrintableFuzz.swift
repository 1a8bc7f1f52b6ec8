// The input is read twice: as an inbound message whose first typed line is wanted (multipart,
// quoted-printable, base64), and as text that a reply carries in a header or body. What the
// encoders write must read back through the project's own decoders.
import FuzzSupport
import Foundation
import ReplydCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let line = MessageText.firstLine(of: bytes) {
        invariant(!line.isEmpty && line == line.trimmingCharacters(in: .whitespaces), "first line not trimmed")
        invariant(!line.unicodeScalars.contains { $0 == "\r" || $0 == "\n" }, "first line has a line break")
    }

    let text = String(decoding: bytes, as: UTF8.self)
    let clean = MIMEEncoding.scrubbed(text)
    invariant(clean.unicodeScalars.count == text.unicodeScalars.count, "scrubbing changed the length")
    invariant(!clean.unicodeScalars.contains { $0.properties.generalCategory == .control }, "control character left")

    let subject = MIMEEncoding.header("Subject", text)
    checkFolded(subject)
    let subjectValue = HeaderFields.parse(Array((subject + "\r\n").utf8)).first("Subject")
    invariant(trim(EncodedWords.decode(subjectValue ?? "")) == trim(clean), "Subject does not decode to what was encoded")

    let from = MIMEEncoding.addressHeader("From", displayName: text, address: "jan@example.test")
    checkFolded(from)
    let fromValue = HeaderFields.parse(Array((from + "\r\n").utf8)).first("From") ?? ""
    let mailboxes = AddressList.mailboxes(in: fromValue)
    invariant(mailboxes.count == 1 && mailboxes[0].address == "jan@example.test", "From address lost: \(fromValue)")
    invariant(trim(mailboxes[0].name ?? "") == trim(clean), "From name does not decode to what was encoded")

    checkQuotedPrintable(MIMEEncoding.quotedPrintable(text))
    let message = MIMEEncoding.plainTextMessage(headers: ["Subject: x"], body: text)
    let expected = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.first { !$0.isEmpty }
    invariant(MessageText.firstLine(of: message) == expected, "quoted-printable body does not read back")
    return 0
}

/// RFC 5322 2.1.1: header lines of at most 78 characters, folded only before white space.
private func checkFolded(_ field: String) {
    let lines = field.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    for (index, line) in lines.enumerated() {
        let isLast = index == lines.count - 1
        invariant(isLast || line.last == UInt8(ascii: "\r"), "bare LF in header")
        let body = isLast ? line[...] : line.dropLast()
        invariant(!body.contains(UInt8(ascii: "\r")), "bare CR in header")
        invariant(body.count <= 78, "header line of \(body.count) characters: \(String(decoding: body, as: UTF8.self))")
        invariant(index == 0 || body.first == UInt8(ascii: " "), "continuation line without leading space")
    }
}

/// RFC 2045 6.7: printable ASCII, lines of at most 76 characters, no white space before a line end.
private func checkQuotedPrintable(_ encoded: String) {
    for line in encoded.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
        let body = line.last == UInt8(ascii: "\r") ? line.dropLast() : line[...]
        invariant(body.count <= 76, "quoted-printable line of \(body.count) characters")
        invariant(body.allSatisfy { ($0 >= 33 && $0 <= 126) || $0 == 32 || $0 == 9 }, "raw octet in quoted-printable")
        invariant(body.last != 32 && body.last != 9, "trailing white space in quoted-printable")
    }
}

private func trim(_ text: String) -> String {
    let scalars = text.unicodeScalars
    guard let start = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
    let end = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })!
    return String(scalars[start...end])
}
