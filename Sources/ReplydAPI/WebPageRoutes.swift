import HTTPTypes
import Hummingbird

extension WebPage {
    /// `/`, `/app.js`, `/app.css`. The page holds no data: everything it shows comes from the API
    /// with the user's token, so serving it needs no token.
    public static func register(on router: Router<BasicRequestContext>) {
        let files: [(String, String, String)] = [
            ("/", html, "text/html; charset=utf-8"),
            ("/app.js", script, "text/javascript; charset=utf-8"),
            ("/app.css", style, "text/css; charset=utf-8"),
        ]
        for (path, text, type) in files {
            router.get(RouterPath(path)) { _, _ in
                var headers: HTTPFields = [.contentType: type, .cacheControl: "no-cache"]
                headers[HTTPField.Name("Content-Security-Policy")!] =
                    "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
                headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
                headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
            }
        }
    }
}
