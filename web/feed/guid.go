package feed

import (
	"strings"

	"github.com/google/uuid"
)

// podcastNamespace is the UUID namespace of podcast:guid values
// (Podcasting 2.0 namespace, tag "guid").
var podcastNamespace = uuid.MustParse("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")

// PodcastGUID is the podcast:guid of a feed: the UUIDv5 of its URL with the
// scheme and trailing slashes stripped, in the podcast namespace.
func PodcastGUID(feedURL string) string {
	name := feedURL
	if scheme, rest, ok := strings.Cut(name, "://"); ok && isScheme(scheme) {
		name = rest
	}
	name = strings.TrimRight(name, "/")
	return uuid.NewSHA1(podcastNamespace, []byte(name)).String()
}

func isScheme(s string) bool {
	for i, c := range s {
		letter := (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if !letter && (i == 0 || !((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return s != ""
}
