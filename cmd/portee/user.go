package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/frontend/auth"
	"codeberg.org/portee/portee/internal/app"
	"golang.org/x/term"
)

// signInLinkTTL is how long the link printed by `user add` works.
const signInLinkTTL = 24 * time.Hour

const userUsage = `usage:
  portee user add --role auditor|admin EMAIL   create an account (password from stdin, prompted, or a one-time link)
  portee user passwd EMAIL                     set a new password (ends the account's sessions)
  portee user disable EMAIL                    disable the account (ends its sessions)
  portee user list                             list accounts
Flags --data and --database-url (DATABASE_URL) name the catalog, as for the directory or the node
(a node's dashboard, /gestion, admits admin accounts).`

// stdin is where passwords are read; tests replace it.
var stdin io.Reader = os.Stdin

// runUser manages staff accounts in the catalog the directory uses; it can
// run while the directory runs (both open the same database).
func runUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return &usageError{msg: userUsage}
	}
	sub, rest := args[0], args[1:]
	role := ""
	var other []string
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		switch {
		case a == "--role" || a == "-role":
			if i+1 >= len(rest) {
				return invalid("--role", "", "needs a value: auditor or admin")
			}
			role = rest[i+1]
			i++
		case strings.HasPrefix(a, "--role=") || strings.HasPrefix(a, "-role="):
			role = a[strings.Index(a, "=")+1:]
		default:
			other = append(other, a)
		}
	}
	c, pos, err := parseConfig("user", other, stderr)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(c.DataDir, 0o750); err != nil && c.DatabaseURL == "" {
		return err
	}
	want := 1
	if sub == "list" {
		want = 0
	}
	if len(pos) != want {
		return &usageError{msg: userUsage}
	}
	s, err := app.OpenStore(ctx, c.dsn())
	if err != nil {
		return err
	}
	defer s.Close()
	cli := catalog.StaffRef{Email: "cli"}
	switch sub {
	case "list":
		as, err := s.Accounts(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "EMAIL\tROLE\tSTATE\tCREATED")
		for _, a := range as {
			state := "active"
			switch {
			case a.Disabled:
				state = "disabled"
			case a.PasswordHash == "":
				state = "no password yet"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", a.Email, a.Role, state, a.CreatedAt.Format(time.DateOnly))
		}
		return w.Flush()
	case "add":
		if role != catalog.RoleAdmin && role != catalog.RoleAuditor {
			return invalid("--role", role, "is not auditor or admin")
		}
		email := catalog.NormalizeEmail(pos[0])
		if !strings.Contains(email, "@") || strings.ContainsAny(email, " \t<>") {
			return invalid("EMAIL", pos[0], "is not an email address")
		}
		pw, err := readPassword(stderr, true)
		if err != nil {
			return err
		}
		a := &catalog.Account{Email: email, Role: role}
		if pw != "" {
			if a.PasswordHash, err = auth.HashPassword(pw); err != nil {
				return err
			}
		}
		if err := s.CreateAccount(ctx, a, cli); err != nil {
			if errors.Is(err, catalog.ErrExists) {
				return &usageError{msg: fmt.Sprintf("an account %s exists already", email)}
			}
			return err
		}
		fmt.Fprintf(stdout, "account %s (%s) created\n", a.Email, a.Role)
		if pw == "" {
			base := c.BaseURL
			if base == "" {
				base = "http://" + c.Listen
			}
			link, err := auth.NewSignInLink(ctx, s, base, a.ID, signInLinkTTL, time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "one-time sign-in link, valid 24 h (sets the password):\n%s\n", link)
		}
		return nil
	case "passwd", "disable":
		a, err := s.AccountByEmail(ctx, pos[0])
		if errors.Is(err, catalog.ErrNotFound) {
			return &usageError{msg: fmt.Sprintf("no account %s", pos[0])}
		} else if err != nil {
			return err
		}
		if sub == "disable" {
			yes := true
			if err := s.UpdateAccount(ctx, a.ID, "", "", &yes, cli); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "account %s disabled\n", a.Email)
			return nil
		}
		pw, err := readPassword(stderr, false)
		if err != nil {
			return err
		}
		h, err := auth.HashPassword(pw)
		if err != nil {
			return err
		}
		if err := s.UpdateAccount(ctx, a.ID, h, "", nil, cli); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "password of %s changed\n", a.Email)
		return nil
	}
	return &usageError{msg: userUsage}
}

// readPassword reads a password from standard input when it is not a
// terminal (one line), else prompts twice without echo. optional: an empty
// answer means "no password" (add prints a sign-in link instead).
func readPassword(stderr io.Writer, optional bool) (string, error) {
	var pw string
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		prompt := "Password"
		if optional {
			prompt += " (empty: print a one-time sign-in link)"
		}
		fmt.Fprint(stderr, prompt+": ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		pw = string(b)
		if pw != "" {
			fmt.Fprint(stderr, "Again: ")
			again, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(stderr)
			if err != nil {
				return "", err
			}
			if string(again) != pw {
				return "", &usageError{msg: "the two passwords differ"}
			}
		}
	} else {
		line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		pw = strings.TrimRight(line, "\r\n")
	}
	if pw == "" && optional {
		return "", nil
	}
	if err := auth.CheckPassword(pw); err != nil {
		return "", &usageError{msg: "password refused: " + strings.TrimPrefix(err.Error(), "auth: ")}
	}
	return pw, nil
}
