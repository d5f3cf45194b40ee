package federation

import (
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"codeberg.org/portee/portee/federation/vocab"
	"github.com/labstack/echo/v4"
)

// outboxPageSize is the number of activities per outbox page.
const outboxPageSize = 20

// serveOutbox answers an actor's outbox: the collection with its count, or
// a page of full activities, newest first, by "?page=true&max_id=SEQ" (what
// Mastodon links) or by "?page=N". With notesOnly it lists only the Notes
// people can read (a hoster's outbox, whose count profiles show as posts);
// without, every listed activity (the activities collection directories
// backfill from).
func (e *engine) serveOutbox(c echo.Context, actorID, outboxURL string, notesOnly bool) error {
	ctx := c.Request().Context()
	page := c.QueryParam("page")
	only := ""
	if notesOnly {
		only = ` AND audience = '` + audiencePublic + `'`
	}
	if page == "" {
		var total int
		if err := e.db.GetContext(ctx, &total, e.db.Rebind(`SELECT COUNT(*) FROM fed_activities WHERE actor_id = ? AND listed = ?`+only), actorID, true); err != nil {
			return err
		}
		b, err := vocab.OrderedCollection(outboxURL, total, outboxURL+"?page=true")
		if err != nil {
			return err
		}
		return writeAP(c, http.StatusOK, b)
	}
	var rows []struct {
		Seq  int64  `db:"seq"`
		Body string `db:"body"`
	}
	var err error
	if page == "true" {
		q := `SELECT seq, body FROM fed_activities WHERE actor_id = ? AND listed = ?` + only
		args := []any{actorID, true}
		if m := c.QueryParam("max_id"); m != "" {
			maxID, perr := strconv.ParseInt(m, 10, 64)
			if perr != nil {
				return echo.NewHTTPError(http.StatusBadRequest, "max_id must be a number")
			}
			q += ` AND seq < ?`
			args = append(args, maxID)
		}
		q += ` ORDER BY seq DESC LIMIT ?`
		args = append(args, outboxPageSize)
		err = e.db.SelectContext(ctx, &rows, e.db.Rebind(q), args...)
	} else {
		n, perr := strconv.Atoi(page)
		if perr != nil || n < 1 || n > 1_000_000 {
			return echo.NewHTTPError(http.StatusBadRequest, "page must be true or a number from 1")
		}
		err = e.db.SelectContext(ctx, &rows, e.db.Rebind(`SELECT seq, body FROM fed_activities WHERE actor_id = ? AND listed = ?`+only+`
			ORDER BY seq DESC LIMIT ? OFFSET ?`), actorID, true, outboxPageSize, (n-1)*outboxPageSize)
	}
	if err != nil {
		return err
	}
	items := make([]json.RawMessage, len(rows))
	for i, r := range rows {
		items[i] = json.RawMessage(r.Body)
	}
	self := outboxURL + "?" + c.QueryString()
	next := ""
	if len(rows) == outboxPageSize {
		if page == "true" {
			next = outboxURL + "?page=true&max_id=" + strconv.FormatInt(rows[len(rows)-1].Seq, 10)
		} else {
			n, _ := strconv.Atoi(page)
			next = outboxURL + "?page=" + strconv.Itoa(n+1)
		}
	}
	b, err := vocab.OrderedCollectionPage(self, outboxURL, next, "", items)
	if err != nil {
		return err
	}
	return writeAP(c, http.StatusOK, b)
}

// serveCount answers a collection that shows only its size (followers and
// following, whose members we do not publish).
func (e *engine) serveCount(c echo.Context, id, query string, args ...any) error {
	var total int
	if err := e.db.GetContext(c.Request().Context(), &total, e.db.Rebind(query), args...); err != nil {
		return err
	}
	b, err := vocab.OrderedCollection(id, total, "")
	if err != nil {
		return err
	}
	return writeAP(c, http.StatusOK, b)
}

// serveActivity answers GET /activities/{id}: every activity we sent is
// dereferenceable by its id.
func (e *engine) serveActivity(c echo.Context) error {
	id := e.paths.Activity(c.Param("id"))
	var body string
	err := e.db.GetContext(c.Request().Context(), &body, e.db.Rebind(`SELECT body FROM fed_activities WHERE activity_id = ?`), id)
	if errors.Is(err, sql.ErrNoRows) {
		return echo.NewHTTPError(http.StatusNotFound, "no such activity")
	}
	if err != nil {
		return err
	}
	return writeAP(c, http.StatusOK, []byte(body))
}

// serveContext answers the JSON-LD context document of our terms.
func serveContext(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	return c.Blob(http.StatusOK, "application/ld+json; charset=utf-8", vocab.ContextDocument())
}

// pageParam reads "?page=N" (1 when absent or "true").
func pageParam(q url.Values) (int, bool) {
	p := q.Get("page")
	if p == "" || p == "true" {
		return 1, true
	}
	n, err := strconv.Atoi(p)
	return n, err == nil && n >= 1 && n <= 1_000_000
}
