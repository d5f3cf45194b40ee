package frontend

import (
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
)

// langHref is the link to the same page in language other. It is built
// from the route that matched and its escaped parameters, never from the
// raw request path: a path such as //evil.example/ would otherwise become
// a protocol-relative link to another site. A request that matched no
// route (a 404 page) links to the home page.
func langHref(c echo.Context, other string) string {
	path := routePath(c)
	q := c.Request().URL.Query()
	q.Set("lang", other)
	return path + "?" + q.Encode()
}

// routePath fills the matched route's parameters in, each escaped as one
// path segment. It answers "/" when no route matched or the result would
// not be a path on this site.
func routePath(c echo.Context) string {
	route := c.Path()
	if route == "" || !strings.HasPrefix(route, "/") || strings.Contains(route, "*") {
		return "/"
	}
	values := map[string]string{}
	names, vals := c.ParamNames(), c.ParamValues()
	for i, n := range names {
		if i < len(vals) {
			values[n] = vals[i]
		}
	}
	segs := strings.Split(route, "/")
	for i, s := range segs {
		if name, ok := strings.CutPrefix(s, ":"); ok {
			v, found := values[name]
			if !found || v == "" {
				return "/"
			}
			// Echo hands parameters over as they came, escaped or not.
			if u, err := url.PathUnescape(v); err == nil {
				v = u
			}
			segs[i] = url.PathEscape(v)
		}
	}
	p := strings.Join(segs, "/")
	if strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return "/"
	}
	return p
}
