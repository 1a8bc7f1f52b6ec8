import Foundation

/// Contacts from a CSV file with a header row (RFC 4180 quoting). The address column may be named
/// `address`, `email`, `e-mail` or `phone`; a `name` column is optional. Bad rows are reported with
/// their line number and skipped; the good ones are returned.
public enum ContactsCSV {
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    public struct Result: Sendable, Equatable {
        public var contacts: [Contact]
        public var problems: [Problem]
    }

    public struct Contact: Sendable, Equatable {
        public var address: String
        public var name: String?
    }

    public static func parse(_ text: String) -> Result {
        let records = records(text)
        guard let header = records.first else {
            return Result(contacts: [], problems: [Problem(line: 1, message: "empty file: expected a header row such as address,name")])
        }
        let columns = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let addressColumn = columns.firstIndex(where: { ["address", "email", "e-mail", "phone"].contains($0) }) else {
            return Result(contacts: [], problems: [Problem(line: header.line, message: "header has no address column (address, email or phone)")])
        }
        let nameColumn = columns.firstIndex(of: "name")
        var contacts: [Contact] = []
        var problems: [Problem] = []
        for record in records.dropFirst() {
            if record.fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            if let error = record.error {
                problems.append(Problem(line: record.line, message: error))
                continue
            }
            guard record.fields.count == columns.count else {
                problems.append(Problem(line: record.line, message: "expected \(columns.count) fields, found \(record.fields.count)"))
                continue
            }
            let address = record.fields[addressColumn].trimmingCharacters(in: .whitespaces)
            guard let normalized = normalize(address) else {
                problems.append(Problem(line: record.line, message: "not an e-mail address or phone number: \"\(address)\""))
                continue
            }
            let name = nameColumn.map { record.fields[$0].trimmingCharacters(in: .whitespaces) }
            contacts.append(Contact(address: normalized, name: name?.isEmpty == false ? name : nil))
        }
        return Result(contacts: contacts, problems: problems)
    }

    /// A mail address (lower-cased) or an international phone number (`+` and digits).
    public static func normalize(_ text: String) -> String? {
        if text.contains("@") {
            guard case .success(let address) = MailAddress.parse(Substring(text)) else { return nil }
            return address.description.lowercased()
        }
        let digits = text.filter { !" -().".contains($0) }
        guard digits.hasPrefix("+"), digits.count >= 8, digits.count <= 16, digits.dropFirst().allSatisfy(\.isASCIIDigit) else {
            return nil
        }
        return digits
    }

    struct Record {
        var line: Int
        var fields: [String]
        var error: String?
    }

    static func records(_ text: String) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var afterQuote = false
        var line = 1
        var recordLine = 1
        var error: String?
        var iterator = Array(text.replacingOccurrences(of: "\r\n", with: "\n")).makeIterator()
        var pending: Character?
        func endRecord() {
            fields.append(field)
            records.append(Record(line: recordLine, fields: fields, error: error))
            fields = []
            field = ""
            error = nil
            afterQuote = false
        }
        while let ch = pending ?? iterator.next() {
            pending = nil
            if inQuotes {
                if ch == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { field.append("\"") } else { inQuotes = false; afterQuote = true; pending = next }
                    } else {
                        inQuotes = false
                    }
                } else {
                    if ch == "\n" { line += 1 }
                    field.append(ch)
                }
                continue
            }
            switch ch {
            case ",":
                fields.append(field)
                field = ""
                afterQuote = false
            case "\n":
                endRecord()
                line += 1
                recordLine = line
            case "\"" where field.isEmpty && !afterQuote:
                inQuotes = true
            default:
                if afterQuote && error == nil { error = "text after a closing quote" }
                field.append(ch)
            }
        }
        if inQuotes { error = "unterminated quoted field" }
        if !field.isEmpty || !fields.isEmpty || inQuotes { endRecord() }
        return records
    }
}

extension Character {
    /// One ASCII digit and nothing else: a Character range would also take "0" with combining marks.
    var isASCIIDigit: Bool { asciiValue.map { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } ?? false }
}
