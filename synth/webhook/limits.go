package webhook

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/loa-audio/loa/synth/article"
)

// deliveryTimeLayout starts every delivery id, so that ids sort by time
// and tell a receiver when the event happened.
const deliveryTimeLayout = "20060102T150405.000000000Z"

// checkURLText is the check of a target when no guard is configured.
func checkURLText(_ context.Context, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return nil, fmt.Errorf("%w: url must be an absolute http(s) URL", article.ErrInvalidInput)
	case u.User != nil:
		return nil, fmt.Errorf("%w: url must not contain credentials", article.ErrInvalidInput)
	}
	return u, nil
}

// redactURL hides the password of a URL stored before credentials were
// refused, so listings and delivery records never show it.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		if err != nil && strings.Contains(raw, "@") {
			return "(unparsable URL)"
		}
		return raw
	}
	u.User = url.User("xxxxx")
	return u.String()
}
