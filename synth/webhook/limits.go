package webhook

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/synth"
)

// deliveryTimeLayout starts every delivery id, so that the log's keys sort
// by time and a record's age is read from its key.
const deliveryTimeLayout = "20060102T150405.000000000Z"

// checkURLText is the check of a target when no guard is configured.
func checkURLText(_ context.Context, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return nil, fmt.Errorf("%w: url must be an absolute http(s) URL", synth.ErrInvalidInput)
	case u.User != nil:
		return nil, fmt.Errorf("%w: url must not contain credentials", synth.ErrInvalidInput)
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

// pruneDeliveries drops the oldest delivery records beyond the count limit
// and every record past the age limit.
func (d *Dispatcher) pruneDeliveries(ctx context.Context) {
	infos, err := storage.ListAll(ctx, d.cfg.Store, deliveriesPrefix)
	if err != nil {
		d.cfg.Logger.WarnContext(ctx, "webhook delivery log not pruned", "err", err)
		return
	}
	sort.Slice(infos, func(i, j int) bool { return infos[i].Key < infos[j].Key })
	cutoff := d.cfg.Now().Add(-d.cfg.DeliveryMaxAge)
	excess := len(infos) - d.cfg.MaxDeliveries
	for i, info := range infos {
		stamp, _, _ := strings.Cut(strings.TrimPrefix(info.Key, deliveriesPrefix), "-")
		at, err := time.Parse(deliveryTimeLayout, stamp)
		old := err == nil && at.Before(cutoff)
		if i >= excess && !old {
			break // sorted by time: the rest are newer
		}
		if err := d.cfg.Store.Delete(ctx, info.Key); err != nil {
			d.cfg.Logger.WarnContext(ctx, "webhook delivery record not pruned", "key", info.Key, "err", err)
			return
		}
	}
}
