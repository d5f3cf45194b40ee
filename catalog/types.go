// Package catalog owns Portée's domain: hosters, their offers, the charter and
// the hosters' declarations against it, and the Store that keeps them on
// SQLite or PostgreSQL together with the change feed every consumer follows.
package catalog

import (
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Sentinel errors returned by the Store. Callers test them with errors.Is.
var (
	// ErrNotFound: no row matches. The Store never returns (nil, nil).
	ErrNotFound = errors.New("catalog: not found")
	// ErrAlreadyApplied: the activity id given in WriteMeta was applied
	// before; the write was skipped so a retried delivery has no second effect.
	ErrAlreadyApplied = errors.New("catalog: activity already applied")
	// ErrStale: the incoming object is older (by Updated) than what is
	// stored; nothing changed. An old Update arriving late changes nothing.
	ErrStale = errors.New("catalog: stale update")
)

// Registration says who may use an offer (the ChatonsInfos values).
const (
	RegistrationNone   = "none"   // usable right now, without an account
	RegistrationFree   = "free"   // free sign-up open to anyone
	RegistrationMember = "member" // for the hoster's members
	RegistrationClient = "client" // for paying clients
)

// Load says whether an offer still takes new users.
const (
	LoadOpen = "open"
	LoadFull = "full"
)

// Audience says to whom an offer is addressed.
const (
	AudienceEveryone = "everyone" // anyone online, whatever the distance
	AudienceLocal    = "local"    // only people inside AreaDepartements / AreaRadiusKm
)

// Offer status (ChatonsInfos service.status.level, lower-cased).
const (
	StatusOK      = "ok"
	StatusWarning = "warning"
	StatusAlert   = "alert"
	StatusError   = "error"
	StatusOver    = "over" // service discontinued
)

// Hoster sources: a signed Portée node, or an unsigned file a directory
// imports.
const (
	SourcePortee       = "portee"
	SourceChatonsInfos = "chatonsinfos"
	SourceLibrehosters = "librehosters"
)

// Hoster state as seen by a directory.
const (
	HosterActive = "active"
	HosterDown   = "down" // repeated failed checks
	HosterGone   = "gone" // 410, Tombstone or long outage
)

// Declaration answer status for one commitment.
const (
	AnswerYes           = "yes"
	AnswerPartial       = "partial"
	AnswerNo            = "no"
	AnswerNotApplicable = "not-applicable"
)

// Location is where a hoster is. Coordinates are nil when unknown.
type Location struct {
	Address     string   `db:"address" json:"address,omitempty"`
	PostalCode  string   `db:"postal_code" json:"postal_code,omitempty"`
	Commune     string   `db:"commune" json:"commune,omitempty"`
	INSEE       string   `db:"insee" json:"insee,omitempty"` // commune INSEE code
	Departement string   `db:"departement" json:"departement,omitempty"`
	Region      string   `db:"region" json:"region,omitempty"`
	Country     string   `db:"country" json:"country,omitempty"` // ISO 3166 alpha-2, "FR"
	Latitude    *float64 `db:"latitude" json:"latitude,omitempty"`
	Longitude   *float64 `db:"longitude" json:"longitude,omitempty"`
}

// HasCoords reports whether both coordinates are known.
func (l Location) HasCoords() bool { return l.Latitude != nil && l.Longitude != nil }

// Hoster is a member of the collective (a chaton), local to a node or
// remote, known to a directory through its ActivityPub Organization actor.
type Hoster struct {
	ID       int64  `db:"id" json:"-"`
	ActorID  string `db:"actor_id" json:"actor"`    // ActivityPub id, unique
	Username string `db:"username" json:"username"` // preferredUsername
	Domain   string `db:"domain" json:"domain"`     // host[:port]
	Local    bool   `db:"local" json:"-"`           // served by this process
	// Source is where the record comes from: SourcePortee (a node's signed
	// actor) or a file format read by the directory (SourceChatonsInfos…).
	Source string `db:"source" json:"source"`

	Name     string `db:"name" json:"name"`
	Summary  string `db:"summary" json:"summary,omitempty"`
	Website  string `db:"website" json:"website,omitempty"`
	Email    string `db:"email" json:"email,omitempty"`
	LegalURL string `db:"legal_url" json:"legal_url,omitempty"`
	IconURL  string `db:"icon_url" json:"icon_url,omitempty"`
	// OrgType: association, cooperative, company, individual, informal, public.
	OrgType string `db:"org_type" json:"org_type,omitempty"`

	Location

	// MemberSince is the date the collective admitted the hoster (YYYY-MM-DD)
	// and Portee the number of the portée it was admitted in (0 if unknown).
	MemberSince  string `db:"member_since" json:"member_since,omitempty"`
	Portee       int    `db:"portee" json:"portee,omitempty"`
	Discoverable bool   `db:"discoverable" json:"discoverable"`

	// Federation endpoints and key, filled for remote hosters.
	InboxURL       string `db:"inbox_url" json:"-"`
	SharedInboxURL string `db:"shared_inbox_url" json:"-"`
	OutboxURL      string `db:"outbox_url" json:"-"`
	FollowersURL   string `db:"followers_url" json:"-"`
	PublicKeyID    string `db:"public_key_id" json:"-"`
	PublicKeyPEM   string `db:"public_key_pem" json:"-"`

	// Freshness, maintained by a directory.
	Status     string     `db:"status" json:"status"`
	LastSeenAt *time.Time `db:"last_seen_at" json:"last_seen_at,omitempty"`
	FailCount  int        `db:"fail_count" json:"-"`
	Checks     int        `db:"checks" json:"-"`    // refreshes attempted
	ChecksOK   int        `db:"checks_ok" json:"-"` // refreshes that succeeded (uptime = ChecksOK/Checks)

	// Updated is the source's own modification time (the actor's "updated"),
	// used to order updates; CreatedAt and ModifiedAt are local bookkeeping.
	Updated    time.Time `db:"updated_at" json:"updated"`
	CreatedAt  time.Time `db:"created_at" json:"created_at"`
	ModifiedAt time.Time `db:"modified_at" json:"-"`
}

// Acct is the WebFinger handle user@host.
func (h *Hoster) Acct() string { return h.Username + "@" + h.Domain }

// Software describes what runs an offer.
type Software struct {
	Name      string `db:"software_name" json:"name"`
	Version   string `db:"software_version" json:"version,omitempty"`
	License   string `db:"software_license" json:"license,omitempty"`
	SourceURL string `db:"software_source" json:"source,omitempty"`
	Website   string `db:"software_website" json:"website,omitempty"`
}

// Offer is one service a hoster provides (ActivityPub type Service).
type Offer struct {
	ID       int64  `db:"id" json:"-"`
	HosterID int64  `db:"hoster_id" json:"-"`
	Key      string `db:"key" json:"key"`      // stable per hoster, e.g. "nextcloud"
	ObjectID string `db:"object_id" json:"id"` // ActivityPub id, unique
	Name     string `db:"name" json:"name"`    // "Nextcloud de Chaton Nazairien"
	Summary  string `db:"summary" json:"summary,omitempty"`
	Category string `db:"category" json:"category"` // one of Categories

	Software

	Registration string `db:"registration" json:"registration"` // Registration*
	Load         string `db:"load" json:"load"`                 // Load*
	Price        string `db:"price" json:"price,omitempty"`     // free text, "gratuit", "1 €/mois"
	Quota        string `db:"quota" json:"quota,omitempty"`     // free text, "5 Go"

	Audience         string     `db:"audience" json:"audience"` // Audience*
	AreaDepartements StringList `db:"area_departements" json:"area_departements,omitempty"`
	AreaRadiusKm     float64    `db:"area_radius_km" json:"area_radius_km,omitempty"`

	Languages StringList `db:"languages" json:"languages,omitempty"` // BCP 47, "fr", "en"
	Status    string     `db:"status" json:"status"`                 // Status*
	URL       string     `db:"url" json:"url"`                       // where to use the service
	StartDate string     `db:"start_date" json:"start_date,omitempty"`

	Updated   time.Time  `db:"updated_at" json:"updated"`
	CreatedAt time.Time  `db:"created_at" json:"created_at"`
	DeletedAt *time.Time `db:"deleted_at" json:"-"` // soft delete: tombstone kept for ordering
}

// Charter is a versioned list of commitments grouped by axes. It is data,
// not code: the collective can load its official wording.
type Charter struct {
	ID          string       `json:"id" yaml:"id"`           // "chatons"
	Version     string       `json:"version" yaml:"version"` // "2023"
	TitleFR     string       `json:"title_fr" yaml:"title_fr"`
	TitleEN     string       `json:"title_en" yaml:"title_en"`
	Axes        []Axis       `json:"axes" yaml:"axes"`
	Commitments []Commitment `json:"commitments" yaml:"commitments"`
}

// Axis groups commitments (Hébergeur, Alternatif, Transparent, Ouvert…).
type Axis struct {
	ID      string `json:"id" yaml:"id"`
	TitleFR string `json:"title_fr" yaml:"title_fr"`
	TitleEN string `json:"title_en" yaml:"title_en"`
}

// Commitment is one criterion of the charter.
type Commitment struct {
	ID       string `json:"id" yaml:"id"`
	Axis     string `json:"axis" yaml:"axis"`
	TitleFR  string `json:"title_fr" yaml:"title_fr"`
	TitleEN  string `json:"title_en" yaml:"title_en"`
	TextFR   string `json:"text_fr" yaml:"text_fr"`
	TextEN   string `json:"text_en" yaml:"text_en"`
	Required bool   `json:"required" yaml:"required"` // false: recommended
	VerifyFR string `json:"verify_fr" yaml:"verify_fr"`
	VerifyEN string `json:"verify_en" yaml:"verify_en"`
}

// Answer is a hoster's answer to one commitment.
type Answer struct {
	Commitment  string `json:"commitment" yaml:"commitment"`
	Status      string `json:"status" yaml:"status"` // Answer*
	EvidenceURL string `json:"evidence,omitempty" yaml:"evidence,omitempty"`
	Comment     string `json:"comment,omitempty" yaml:"comment,omitempty"`
}

// Answers is stored as JSON in one column.
type Answers []Answer

// CharterDeclaration is how a hoster answers one version of the charter.
type CharterDeclaration struct {
	HosterID       int64     `db:"hoster_id" json:"-"`
	ObjectID       string    `db:"object_id" json:"id"`
	CharterID      string    `db:"charter_id" json:"charter"`
	CharterVersion string    `db:"charter_version" json:"charter_version"`
	Answers        Answers   `db:"answers" json:"answers"`
	Updated        time.Time `db:"updated_at" json:"updated"`
	CreatedAt      time.Time `db:"created_at" json:"created_at"`
}

// Change is one row of the change feed, appended in the same transaction as
// the write it describes. Consumers keep a cursor (the last Seq handled).
type Change struct {
	Seq      int64     `db:"seq"`
	Kind     string    `db:"kind"` // ChangeHoster, ChangeOffer, ChangeDeclaration
	Op       string    `db:"op"`   // OpUpsert, OpDelete
	HosterID int64     `db:"hoster_id"`
	EntityID int64     `db:"entity_id"` // offer id for offers, hoster id otherwise
	ObjectID string    `db:"object_id"` // ActivityPub id of the entity
	At       time.Time `db:"at"`
}

// Change kinds and operations.
const (
	ChangeHoster      = "hoster"
	ChangeOffer       = "offer"
	ChangeDeclaration = "declaration"
	OpUpsert          = "upsert"
	OpDelete          = "delete"
)

// WriteMeta carries where a write comes from. When ActivityID is set, the
// Store records it in the same transaction and refuses it a second time with
// ErrAlreadyApplied.
type WriteMeta struct {
	ActivityID string
	ActorID    string
}

// StringList is a list of strings stored as a JSON array in one column.
type StringList []string

// Value implements driver.Valuer.
func (l StringList) Value() (driver.Value, error) { return jsonList([]string(l)) }

// Scan implements sql.Scanner.
func (l *StringList) Scan(src any) error { return scanJSON(src, (*[]string)(l)) }

// Value implements driver.Valuer.
func (a Answers) Value() (driver.Value, error) { return jsonList([]Answer(a)) }

// jsonList stores a list as a JSON array, never as null.
func jsonList[T any](l []T) (driver.Value, error) {
	if l == nil {
		return "[]", nil
	}
	b, err := json.Marshal(l)
	return string(b), err
}

// Scan implements sql.Scanner.
func (a *Answers) Scan(src any) error { return scanJSON(src, (*[]Answer)(a)) }

func scanJSON(src any, dst any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		return nil
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("catalog: cannot scan %T into JSON column", src)
	}
	if len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, dst)
}
