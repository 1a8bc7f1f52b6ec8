import ReplydCore

/// The SPF check's questions, asked of the name server: records of the asked type only (a CNAME's
/// target records come with it), NXDOMAIN as such, and time-outs or server failures as failures.
extension DNSResolver: SPFResolver {
    public func lookup(_ name: String, _ type: SPFQuery) async -> SPFAnswer {
        let recordType: DNSMessage.RecordType = switch type {
        case .txt: .txt
        case .a: .a
        case .aaaa: .aaaa
        case .mx: .mx
        case .ptr: .ptr
        }
        let response: DNSMessage.Response
        do {
            response = try await query(name, recordType)
        } catch {
            return .failure("\(error)")
        }
        switch response.responseCode {
        case 0: break
        case 3: return .noSuchName
        default: return .failure("rcode \(response.responseCode) for \(name)")
        }
        let records: [[UInt8]] = response.answers.filter { $0.type == recordType.rawValue }.compactMap { record in
            switch record.data {
            case .text(let strings): strings.flatMap { $0 }
            case .address(let text): Array(text.utf8)
            case .mx(let mx): Array(mx.host.utf8)
            case .name(let name): Array(name.utf8)
            }
        }
        return .records(records)
    }
}
