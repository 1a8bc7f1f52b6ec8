/// A parsed SMTP command line (RFC 5321 section 4.1, plus STARTTLS from RFC 3207).
public enum SMTPCommand: Sendable, Equatable {
    case ehlo(String)
    case helo(String)
    case mail(ReversePath, MailParameters)
    case rcpt(ForwardPath)
    case data
    case rset
    case noop
    case quit
    case vrfy
    case expn
    case help
    case startTLS
    case auth
    case bdat

    /// The envelope sender: `<>` (null, used by bounces and auto-replies) or a mailbox.
    public enum ReversePath: Sendable, Equatable {
        case null
        case mailbox(MailAddress)
    }

    /// A recipient: a mailbox, or the bare `<Postmaster>` RFC 5321 requires every host to accept.
    public enum ForwardPath: Sendable, Equatable {
        case postmaster
        case mailbox(MailAddress)
    }

    public struct MailParameters: Sendable, Equatable {
        public var size: Int?
        public var body8bit: Bool = false
        public var smtputf8: Bool = false
        public init() {}
    }
}

/// Why a command line could not be parsed, with the reply RFC 5321 prescribes for it.
public struct SMTPSyntaxError: Error, Sendable, Equatable {
    public let reply: SMTPReply
    init(_ code: Int, _ enhanced: String, _ text: String) { reply = SMTPReply(code, enhanced, text) }
}

public enum SMTPCommandParser {
    public static func parse(_ line: Substring) -> Result<SMTPCommand, SMTPSyntaxError> {
        let verbEnd = line.firstIndex(of: " ") ?? line.endIndex
        let verb = line[..<verbEnd].uppercased()
        let rest = line[verbEnd...].drop { $0 == " " }
        let argument = rest.hasSuffix(" ") ? Substring(rest.reversed().drop { $0 == " " }.reversed()) : rest

        func noArgument(_ command: SMTPCommand) -> Result<SMTPCommand, SMTPSyntaxError> {
            argument.isEmpty ? .success(command) : .failure(.init(501, "5.5.4", "Syntax: \(verb) takes no arguments"))
        }

        switch verb {
        case "EHLO", "HELO":
            guard !argument.isEmpty, !argument.contains(" ") else {
                return .failure(.init(501, "5.5.4", "Syntax: \(verb) hostname"))
            }
            return .success(verb == "EHLO" ? .ehlo(String(argument)) : .helo(String(argument)))
        case "MAIL":
            return parseMail(argument)
        case "RCPT":
            return parseRcpt(argument)
        case "DATA": return noArgument(.data)
        case "RSET": return noArgument(.rset)
        case "QUIT": return noArgument(.quit)
        case "STARTTLS": return noArgument(.startTLS)
        case "NOOP": return .success(.noop)  // RFC 5321 4.1.1.9: a NOOP argument is ignored
        case "HELP": return .success(.help)
        case "VRFY":
            return argument.isEmpty ? .failure(.init(501, "5.5.4", "Syntax: VRFY address")) : .success(.vrfy)
        case "EXPN": return .success(.expn)
        case "AUTH": return .success(.auth)
        case "BDAT": return .success(.bdat)
        default:
            return .failure(.init(500, "5.5.2", "Error: command not recognized"))
        }
    }

    /// `FROM:<path> [params]`; a space after the colon is tolerated, as most servers do.
    static func parseMail(_ argument: Substring) -> Result<SMTPCommand, SMTPSyntaxError> {
        guard let (pathText, paramText) = splitPath(argument, keyword: "FROM:") else {
            return .failure(.init(501, "5.5.4", "Syntax: MAIL FROM:<address>"))
        }
        var parameters = SMTPCommand.MailParameters()
        for parameter in paramText.split(separator: " ") {
            // Not omitting empty pieces: a bare "=" has an empty key (555), and indexing no piece
            // at all trapped (scripts/fuzz smtp-session).
            let parts = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = parts[0].uppercased()
            let value = parts.count > 1 ? parts[1] : nil
            switch key {
            case "SIZE":
                guard let value, !value.isEmpty, value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                    return .failure(.init(501, "5.5.4", "Syntax: SIZE=<octets>"))
                }
                // Digits that overflow an Int are a size beyond any limit (552), not a syntax error.
                parameters.size = Int(value) ?? .max
            case "BODY":
                switch value?.uppercased() {
                case "7BIT": parameters.body8bit = false
                case "8BITMIME": parameters.body8bit = true
                default: return .failure(.init(501, "5.5.4", "Syntax: BODY=7BIT or BODY=8BITMIME"))
                }
            case "SMTPUTF8":
                guard value == nil else { return .failure(.init(501, "5.5.4", "Syntax: SMTPUTF8 takes no value")) }
                parameters.smtputf8 = true
            default:
                return .failure(.init(555, "5.5.4", "Unsupported MAIL parameter \(key)"))
            }
        }
        if pathText.isEmpty { return .success(.mail(.null, parameters)) }
        switch MailAddress.parse(pathText) {
        case .success(let address):
            return .success(.mail(.mailbox(address), parameters))
        case .failure(let error):
            return .failure(.init(553, "5.1.7", "Bad sender address syntax (\(error))"))
        }
    }

    static func parseRcpt(_ argument: Substring) -> Result<SMTPCommand, SMTPSyntaxError> {
        guard let (pathText, paramText) = splitPath(argument, keyword: "TO:") else {
            return .failure(.init(501, "5.5.4", "Syntax: RCPT TO:<address>"))
        }
        if !paramText.isEmpty {
            return .failure(.init(555, "5.5.4", "Unsupported RCPT parameter"))
        }
        if pathText.lowercased() == "postmaster" { return .success(.rcpt(.postmaster)) }
        switch MailAddress.parse(pathText) {
        case .success(let address):
            return .success(.rcpt(.mailbox(address)))
        case .failure(let error):
            return .failure(.init(501, "5.1.3", "Bad recipient address syntax (\(error))"))
        }
    }

    /// Splits `KEYWORD:<path> params` into the path without brackets (and source route) and the
    /// parameter text. Returns nil when the brackets are missing.
    static func splitPath(_ argument: Substring, keyword: String) -> (Substring, Substring)? {
        guard argument.uppercased().hasPrefix(keyword) else { return nil }
        let afterKeyword = argument.dropFirst(keyword.count).drop { $0 == " " }
        guard afterKeyword.first == "<", let close = closingBracket(afterKeyword) else { return nil }
        var path = afterKeyword[afterKeyword.index(after: afterKeyword.startIndex)..<close]
        // RFC 5321 4.1.2: an obsolete source route `@a,@b:` must be accepted and ignored.
        if path.first == "@", let colon = path.firstIndex(of: ":") {
            path = path[path.index(after: colon)...]
        }
        let params = afterKeyword[afterKeyword.index(after: close)...]
        guard params.isEmpty || params.first == " " else { return nil }
        return (path, params.drop { $0 == " " })
    }

    /// The `>` that closes the path, skipping any inside a quoted local part.
    static func closingBracket(_ text: Substring) -> Substring.Index? {
        var inQuotes = false
        var escaped = false
        for index in text.indices.dropFirst() {
            let ch = text[index]
            if escaped { escaped = false; continue }
            if ch == "\\" && inQuotes { escaped = true; continue }
            if ch == "\"" { inQuotes.toggle(); continue }
            if ch == ">" && !inQuotes { return index }
        }
        return nil
    }
}
