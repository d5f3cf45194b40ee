package federation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"codeberg.org/portee/portee/federation/httpsig"
	"codeberg.org/portee/portee/federation/vocab"
	"github.com/labstack/echo/v4"
)

// maxInboxBody is the largest activity an inbox reads (413 beyond).
const maxInboxBody = 1 << 20

// inbound is a verified activity handed to a role's handler.
type inbound struct {
	Raw    []byte
	Act    *vocab.Parsed
	Signer httpsig.Verified
	// Target is the local actor whose personal inbox received the activity,
	// empty for the shared inbox.
	Target string
}

// statusError is an inbox rejection with the status the sender gets.
type statusError struct {
	code int
	msg  string
}

func (e *statusError) Error() string { return e.msg }

func reject(code int, format string, args ...any) error {
	return &statusError{code: code, msg: fmt.Sprintf(format, args...)}
}

// errIgnored: the activity is valid but means nothing to us (202, nothing
// stored), like Mastodon does with types it does not handle.
var errIgnored = errors.New("federation: activity ignored")

// actorTypes are the ActivityStreams actor types whose Update is an actor
// update, allowed only from the actor itself. Service is left out: it is
// also the type of our offers.
var actorTypes = map[string]bool{"Person": true, "Organization": true, "Application": true, "Group": true}

// serveInbox reads, checks and verifies one POST, then hands it to handle.
// Every rejection happens before handle runs, so nothing is stored; handle
// itself writes through the database in one transaction per effect,
// idempotent by activity id. A rejection is answered in JSON with its
// reason (servers log what they are told), unless the client asked for
// HTML only.
func (e *engine) serveInbox(c echo.Context, target string, handle func(context.Context, *inbound) error) error {
	err := e.receive(c, target, handle)
	if err == nil {
		return c.NoContent(http.StatusAccepted)
	}
	he, ok := err.(*echo.HTTPError)
	if !ok {
		he = toHTTP(err).(*echo.HTTPError)
	}
	if wantsHTMLOnly(c.Request()) {
		return he // the pages' error handler renders (and logs) it
	}
	if he.Code >= 500 {
		e.log.Error("federation: inbox", "err", err, "internal", he.Internal)
	}
	msg, _ := he.Message.(string)
	if msg == "" {
		msg = http.StatusText(he.Code)
	}
	return c.JSON(he.Code, map[string]string{"error": msg})
}

// wantsHTMLOnly tells a browser (Accept names text/html and no JSON type)
// from a server, which gets JSON errors.
func wantsHTMLOnly(r *http.Request) bool {
	a := r.Header.Get("Accept")
	return strings.Contains(a, "text/html") && !strings.Contains(a, "json")
}

// receive does serveInbox's work; nil means 202.
func (e *engine) receive(c echo.Context, target string, handle func(context.Context, *inbound) error) error {
	r := c.Request()
	if !inboxContentType(r.Header.Get("Content-Type")) {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, "content type must be application/activity+json or application/ld+json with the ActivityStreams profile")
	}
	if r.ContentLength > maxInboxBody {
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "activity larger than 1 MiB")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxInboxBody+1))
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "cannot read body")
	}
	if len(body) > maxInboxBody {
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "activity larger than 1 MiB")
	}
	ctx := r.Context()
	// The signature covers the Host header, not where the request arrived:
	// a delivery captured at another server, replayed here with its
	// original Host, would verify. Only our own public host is accepted.
	if !sameAuthority(r.Host, e.domain, e.scheme()) {
		e.log.Debug("federation: inbox refused a request for another host", "host", r.Host, "remote", c.RealIP())
		return echo.NewHTTPError(http.StatusUnauthorized, fmt.Sprintf("signature: request is for host %q, this server is %q", clipHost(r.Host), e.domain))
	}
	ver, err := e.verifier.Verify(ctx, r, body)
	if err != nil {
		e.log.Debug("federation: inbox signature refused", "err", err, "remote", c.RealIP())
		return echo.NewHTTPError(http.StatusUnauthorized, "signature: "+err.Error())
	}
	e.keys.confirm(ctx, ver.KeyID)
	act, err := vocab.ParseActivity(body)
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "activity: "+err.Error())
	}
	if act.Actor != ver.Owner {
		return echo.NewHTTPError(http.StatusUnauthorized, "the activity's actor is not the signer")
	}
	if err := checkAuthority(act); err != nil {
		return toHTTP(err)
	}
	err = handle(ctx, &inbound{Raw: body, Act: act, Signer: ver, Target: target})
	switch {
	case err == nil, errors.Is(err, errIgnored):
	default:
		return toHTTP(err)
	}
	e.reviveHost(ctx, hostOf(act.Actor))
	return nil
}

// sameAuthority compares a Host header with our host[:port], a default
// port (80 for http, 443 for https) being the same as none.
func sameAuthority(host, ours, scheme string) bool {
	norm := func(h string) string {
		h = strings.ToLower(strings.TrimSuffix(h, "."))
		if scheme == "https" {
			return strings.TrimSuffix(h, ":443")
		}
		return strings.TrimSuffix(h, ":80")
	}
	return host != "" && norm(host) == norm(ours)
}

func clipHost(h string) string {
	if len(h) > 100 {
		return h[:100] + "…"
	}
	return h
}

// checkAuthority enforces that an actor creates, updates and deletes only
// objects of its own host, and updates no actor but itself.
func checkAuthority(act *vocab.Parsed) error {
	switch act.Type {
	case "Create", "Update", "Delete":
	default:
		return nil
	}
	if act.ObjectID == "" {
		return reject(http.StatusBadRequest, "%s without object id", act.Type)
	}
	if !sameHost(act.ObjectID, act.Actor) {
		return reject(http.StatusForbidden, "%s of an object on another host", act.Type)
	}
	if act.Type == "Update" && actorTypes[act.ObjectType] && act.ObjectID != act.Actor {
		return reject(http.StatusForbidden, "an actor may only update itself")
	}
	if act.ID != "" && !sameHost(act.ID, act.Actor) {
		return reject(http.StatusForbidden, "activity id on another host than its actor")
	}
	return nil
}

func toHTTP(err error) error {
	var se *statusError
	if errors.As(err, &se) {
		return echo.NewHTTPError(se.code, se.msg)
	}
	return echo.NewHTTPError(http.StatusInternalServerError, "could not process the activity").SetInternal(err)
}

// inboxContentType accepts application/activity+json and
// application/ld+json with the ActivityStreams profile, charset or not.
func inboxContentType(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch mt {
	case "application/activity+json":
		return true
	case "application/ld+json":
		for p := range strings.FieldsSeq(params["profile"]) {
			if p == vocab.ASContext {
				return true
			}
		}
	}
	return false
}

// WantsActivityJSON tells whether a GET asks for the ActivityPub document
// rather than the HTML page (content negotiation on the same URL).
func WantsActivityJSON(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		if q := strings.TrimSpace(params["q"]); q == "0" || q == "0.0" || q == "0.00" || q == "0.000" {
			continue
		}
		if mt == "application/activity+json" || mt == "application/ld+json" {
			return true
		}
	}
	return false
}

// writeAP answers an ActivityPub document.
func writeAP(c echo.Context, code int, body []byte) error {
	c.Response().Header().Set("Vary", "Accept")
	return c.Blob(code, vocab.ContentType+"; charset=utf-8", body)
}
