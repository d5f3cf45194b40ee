package main

import (
	"net/url"
	"os"
	"strings"
)

// importSources are the directory's repeatable import flags: each
// --chatonsinfos / --librehosters adds URLs (comma-separated lists too);
// without the flag, the environment variable's comma-separated list.
type importSources struct {
	chatonsInfos, librehosters []string
}

func (s *settings) addImportSources() *importSources {
	var src importSources
	s.fs.Func("chatonsinfos", "directory: ChatonsInfos federation (or organisation) file URL to import; repeatable (env PORTEE_CHATONSINFOS, comma-separated)",
		func(v string) error { src.chatonsInfos = append(src.chatonsInfos, splitList(v)...); return nil })
	s.fs.Func("librehosters", "directory: Librehosters directory.json URL to import; repeatable (env PORTEE_LIBREHOSTERS, comma-separated)",
		func(v string) error { src.librehosters = append(src.librehosters, splitList(v)...); return nil })
	return &src
}

// resolve applies the environment and checks every URL.
func (src *importSources) resolve(c *config) error {
	if len(src.chatonsInfos) == 0 {
		src.chatonsInfos = splitList(os.Getenv("PORTEE_CHATONSINFOS"))
	}
	if len(src.librehosters) == 0 {
		src.librehosters = splitList(os.Getenv("PORTEE_LIBREHOSTERS"))
	}
	for _, l := range []struct {
		name string
		list []string
	}{{"PORTEE_CHATONSINFOS (--chatonsinfos)", src.chatonsInfos}, {"PORTEE_LIBREHOSTERS (--librehosters)", src.librehosters}} {
		for _, v := range l.list {
			if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return invalid(l.name, v, "is not an http(s) URL")
			}
		}
	}
	c.ChatonsInfos, c.Librehosters = src.chatonsInfos, src.librehosters
	return nil
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
