import HTTPTypes
import Hummingbird

/// The self-service page served at `/`: static HTML, CSS and JavaScript (`Resources/index.html`,
/// `app.js`, `app.css`, embedded in the binary) that call the admin API with the token the user
/// signs in with. No build step; the strict Content-Security-Policy (`default-src 'self'`) is why
/// script and style are separate resources.
public enum WebPage {
    /// `/`, `/app.js`, `/app.css`. The page holds no data: everything it shows comes from the API
    /// with the user's token, so serving it needs no token.
    public static func register(on router: Router<BasicRequestContext>) {
        let files: [(String, [UInt8], String)] = [
            ("/", PackageResources.index_html, "text/html; charset=utf-8"),
            ("/app.js", PackageResources.app_js, "text/javascript; charset=utf-8"),
            ("/app.css", PackageResources.app_css, "text/css; charset=utf-8"),
        ]
        for (path, bytes, type) in files {
            router.get(RouterPath(path)) { _, _ in
                var headers: HTTPFields = [.contentType: type, .cacheControl: "no-cache"]
                headers[HTTPField.Name("Content-Security-Policy")!] =
                    "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
                headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
                headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
            }
        }
    }
}
