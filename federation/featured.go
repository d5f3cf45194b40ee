package federation

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"net/http"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/vocab"
	"github.com/labstack/echo/v4"
)

// featured answers the hoster's featured collection: one Note per current
// offer, embedded. GoToSocial never reads an outbox's history, so these
// pinned Notes are what a person who opens the profile sees.
func (n *Node) featured(c echo.Context) error {
	ctx := c.Request().Context()
	h, err := n.localHoster(ctx, c.Param("username"))
	if err != nil {
		return err
	}
	list, err := n.e.store.OffersByHoster(ctx, h.ID)
	if err != nil {
		return err
	}
	items := make([]json.RawMessage, 0, len(list))
	for i := range list {
		b, _, err := vocab.FeaturedNote(n.e.paths, h, &list[i])
		if err != nil {
			return err
		}
		items = append(items, b)
	}
	b, err := vocab.OrderedCollectionOf(n.e.paths.Featured(h.Username), items)
	if err != nil {
		return err
	}
	return writeAP(c, http.StatusOK, b)
}

// featuredNote answers one featured Note by its id: a version published
// with a change of the offer (kept, so that a server that read the
// collection just before an edit or a removal still finds what it lists),
// else the Note of the offer as it is now.
func (n *Node) featuredNote(c echo.Context) error {
	ctx := c.Request().Context()
	h, err := n.localHoster(ctx, c.Param("username"))
	if err != nil {
		return err
	}
	body, err := n.storedObject(ctx, n.e.paths.FeaturedNote(h.Username, c.Param("key"), c.Param("version")), h.ActorID)
	if err == nil {
		return writeAP(c, http.StatusOK, []byte(body))
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	o, err := n.e.store.OfferByObjectID(ctx, n.e.paths.Offer(h.Username, c.Param("key")))
	if errors.Is(err, catalog.ErrNotFound) || (err == nil && (o.HosterID != h.ID || o.DeletedAt != nil)) {
		return echo.NewHTTPError(http.StatusNotFound, "no such note")
	}
	if err != nil {
		return err
	}
	b, id, err := vocab.FeaturedNote(n.e.paths, h, o)
	if err != nil {
		return err
	}
	if id != n.e.paths.FeaturedNote(h.Username, c.Param("key"), c.Param("version")) {
		return echo.NewHTTPError(http.StatusNotFound, "no such note (the offer changed since)")
	}
	return writeAP(c, http.StatusOK, b)
}

// avatar answers the default avatar of a hoster without an icon.
func (n *Node) avatar(c echo.Context) error {
	h, err := n.localHoster(c.Request().Context(), c.Param("username"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	return c.Blob(http.StatusOK, "image/png", DefaultAvatar(h.Username))
}

// avatarSize is the side of a default avatar, in pixels; avatarCells the
// side of its grid.
const (
	avatarSize  = 240
	avatarCells = 5
)

// DefaultAvatar draws the PNG avatar of a hoster without an icon: a
// symmetric 5×5 pattern in a colour, both derived from the username, so
// that the same hoster always gets the same picture and neighbours differ.
// Drawn locally: no third-party service learns who is looked at.
func DefaultAvatar(username string) []byte {
	sum := sha256.Sum256([]byte(username))
	// A saturated, not too light colour from the first bytes; a pale tint
	// of it as the background.
	fg := color.RGBA{R: 40 + sum[0]%160, G: 40 + sum[1]%160, B: 40 + sum[2]%160, A: 255}
	bg := color.RGBA{R: 255 - (255-fg.R)/6, G: 255 - (255-fg.G)/6, B: 255 - (255-fg.B)/6, A: 255}
	img := image.NewRGBA(image.Rect(0, 0, avatarSize, avatarSize))
	margin := avatarSize / (avatarCells + 1) / 2
	cell := (avatarSize - 2*margin) / avatarCells
	bit := 0
	on := [avatarCells][avatarCells]bool{}
	for x := 0; x < (avatarCells+1)/2; x++ {
		for y := 0; y < avatarCells; y++ {
			v := sum[3+bit/8]>>(bit%8)&1 == 1
			on[x][y], on[avatarCells-1-x][y] = v, v
			bit++
		}
	}
	for py := 0; py < avatarSize; py++ {
		for px := 0; px < avatarSize; px++ {
			col := bg
			cx, cy := (px-margin)/cell, (py-margin)/cell
			if px >= margin && py >= margin && cx < avatarCells && cy < avatarCells && on[cx][cy] {
				col = fg
			}
			img.SetRGBA(px, py, col)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic("federation: encode avatar: " + err.Error()) // writing to memory cannot fail
	}
	return buf.Bytes()
}
