package demo

import (
	"embed"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"
)

//go:embed chatonsinfos/*.properties
var chatonsInfosFiles embed.FS

// chatonsInfosServer serves the demo's own ChatonsInfos federation on a
// free loopback port: "/a/b.properties" is the embedded "a-b.properties",
// {{BASE}} its own URL and {{NODE:user}} a demo node's, and a
// "*.latin1.properties" file goes out in ISO-8859-1 with CRLF line ends.
type chatonsInfosServer struct {
	srv   *http.Server
	URL   string
	nodes map[string]string // username → base URL
}

func startChatonsInfos(host string, nodes map[string]string) (*chatonsInfosServer, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return nil, err
	}
	s := &chatonsInfosServer{URL: "http://" + ln.Addr().String(), nodes: nodes}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return
		}
	}()
	return s, nil
}

// FederationURL is the federation file the demo directory imports.
func (s *chatonsInfosServer) FederationURL() string { return s.URL + "/federation.properties" }

func (s *chatonsInfosServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.ReplaceAll(strings.TrimPrefix(r.URL.Path, "/"), "/", "-")
	b, err := chatonsInfosFiles.ReadFile("chatonsinfos/" + name)
	if err != nil || strings.Contains(name, "..") {
		http.NotFound(w, r)
		return
	}
	text := strings.ReplaceAll(string(b), "{{BASE}}", s.URL)
	for user, base := range s.nodes {
		text = strings.ReplaceAll(text, "{{NODE:"+user+"}}", base)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if strings.HasSuffix(name, ".latin1.properties") {
		w.Header().Set("Content-Type", "text/plain; charset=iso-8859-1")
		text = strings.ReplaceAll(text, "\n", "\r\n")
		out := make([]byte, 0, len(text))
		for _, r := range text {
			if r > 0xFF {
				r = '?'
			}
			out = append(out, byte(r))
		}
		_, _ = w.Write(out)
		return
	}
	_, _ = w.Write([]byte(text))
}

func (s *chatonsInfosServer) Close() error { return s.srv.Close() }
