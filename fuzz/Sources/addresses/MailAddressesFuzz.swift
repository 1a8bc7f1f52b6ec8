// The input is an envelope path (MAIL FROM / RCPT TO without brackets) and, whole, the value of an
// address header (From, To, Cc). A sender that was accepted once is later a reply's recipient, so
// what the parser accepted must parse again to the same address.
import FuzzSupport
import ReplydCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)

    for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
        if case .success(let address) = MailAddress.parse(line) {
            invariant(MailAddress.parse(Substring(address.description)) == .success(address),
                      "\(address) does not parse to itself")
            invariant(address.localPart.utf8.count <= 64 && address.description.utf8.count <= 254, "\(address) too long")
        }
        if case .success(let local) = MailAddress.local(String(line), in: ["example.test", "[192.0.2.1]"]) {
            invariant(MailAddress.local(local, in: ["example.test", "[192.0.2.1]"]) == .success(local),
                      "local address \(local) does not check again")
        }
    }

    let mailboxes = AddressList.mailboxes(in: text)
    invariant(AddressList.addresses(in: text) == mailboxes.map(\.address), "addresses and mailboxes disagree")
    for (_, address) in mailboxes {
        invariant(address.contains("@"), "\(address) has no @")
        // A dot-atom mailbox the list reader found is found again on its own. (Quoted local parts
        // are left out: the reader drops their backslashes, the envelope parser keeps them.)
        if !address.contains("\""), case .success = MailAddress.parse(Substring(address)) {
            invariant(AddressList.addresses(in: "<\(address)>") == [address], "\(address) not found again")
        }
    }
    return 0
}
