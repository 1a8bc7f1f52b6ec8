import Foundation
import Mustache

/// The HTML alternative of a notification e-mail, made from its plain text so the two always say
/// the same: paragraphs and line breaks kept, web addresses made links, everything else escaped.
/// The page around it is a file (Resources/notification-email.html). Pure and linear.
public enum NotificationHTML {
    static let template: MustacheTemplate = {
        // The file is part of the build; a template that does not parse is a build-time mistake.
        try! MustacheTemplate(string: String(decoding: PackageResources.notification_email_html, as: UTF8.self))
    }()

    public static func page(body: String, subject: String, shopName: String, locale: String) -> String {
        template.render(["paragraphs": paragraphs(body), "subject": subject, "shop_name": shopName, "locale": locale])
    }

    /// Blank-line separated paragraphs as `<p>`, single line breaks as `<br>`.
    static func paragraphs(_ text: String) -> String {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n")
        var blocks: [[Substring]] = [[]]
        for line in normalized.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.allSatisfy(\.isWhitespace) {
                if !(blocks.last?.isEmpty ?? true) { blocks.append([]) }
            } else {
                blocks[blocks.count - 1].append(line)
            }
        }
        return blocks.filter { !$0.isEmpty }.map { lines in
            "<p style=\"margin:0 0 12px;\">" + lines.map { linked(String($0)) }.joined(separator: "<br>\n") + "</p>"
        }.joined(separator: "\n")
    }

    /// Escaped text with http(s) addresses as links; the address is escaped in both places.
    static func linked(_ line: String) -> String {
        var out = ""
        var rest = Substring(line)
        // One forward scan (Foundation's range(of:) would copy what is left at every step): each
        // "h" found starts a link or is passed over.
        while let h = rest.firstIndex(of: "h") {
            let candidate = rest[h...]
            let start = h..<rest.index(after: h)
            let scheme = candidate.hasPrefix("https://") ? 8 : candidate.hasPrefix("http://") ? 7 : 0
            // Read only after a scheme, so "httphttp…" costs nothing per "http".
            var url = scheme > 0 ? candidate.prefix { !$0.isWhitespace && !"<>\"'".contains($0) } : candidate.prefix(0)
            // Sentence punctuation after an address is not part of it.
            while let last = url.last, ".,;:!?)".contains(last) { url = url.dropLast() }
            out += escaped(rest[..<start.lowerBound])
            if scheme > 0 && url.count > scheme {
                out += "<a href=\"\(escaped(url))\" style=\"color:#2563eb;\">\(escaped(url))</a>"
                rest = rest[url.endIndex...]
            } else {
                out += escaped(rest[start])
                rest = rest[start.upperBound...]
            }
        }
        return out + escaped(rest)
    }

    static func escaped(_ text: Substring) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
