package synth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/synth/text"
)

const lexiconKey = "lexicons/rules.json"

// Lexicon is the editors' pronunciation dictionary. Every change bumps the
// version and keeps a copy under lexicons/history/, so a change can be
// traced and undone. Segment cache keys include the rules that fired in a
// sentence, so a change re-synthesizes only the sentences it touches.
type Lexicon struct {
	Version   int         `json:"version"`
	Rules     []text.Rule `json:"rules"`
	UpdatedAt time.Time   `json:"updated_at"`
}

type lexiconStore struct {
	store storage.Store
	now   func() time.Time
}

func (l *lexiconStore) get(ctx context.Context) (Lexicon, error) {
	var lx Lexicon
	if _, err := storage.GetJSON(ctx, l.store, lexiconKey, &lx); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return Lexicon{}, fmt.Errorf("read lexicon: %w", err)
	}
	if lx.Rules == nil {
		lx.Rules = []text.Rule{}
	}
	return lx, nil
}

// rulesFor returns the global rules plus those of one feed.
func (l *lexiconStore) rulesFor(ctx context.Context, feed string) ([]text.Rule, error) {
	lx, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	var out []text.Rule
	for _, r := range lx.Rules {
		if r.Feed == "" || r.Feed == feed {
			out = append(out, r)
		}
	}
	return out, nil
}

func (l *lexiconStore) change(ctx context.Context, fn func(*Lexicon) error) (Lexicon, error) {
	var saved Lexicon
	_, err := updateJSON(ctx, l.store, lexiconKey, func(lx *Lexicon, _ bool) error {
		if err := fn(lx); err != nil {
			return err
		}
		lx.Version++
		lx.UpdatedAt = l.now().UTC()
		saved = *lx
		return nil
	})
	if err != nil {
		return Lexicon{}, err
	}
	key := "lexicons/history/" + fmt.Sprintf("%08d", saved.Version) + ".json"
	if _, err := storage.PutJSON(ctx, l.store, key, saved, storage.PutOptions{ContentType: "application/json"}); err != nil {
		return Lexicon{}, fmt.Errorf("keep lexicon version %d: %w", saved.Version, err)
	}
	return saved, nil
}

// Lexicon returns the pronunciation rules; feed filters to the rules that
// apply to that feed ("" = all rules).
func (s *Service) Lexicon(ctx context.Context, feed string) (Lexicon, error) {
	lx, err := s.lexicon.get(ctx)
	if err != nil || feed == "" {
		return lx, err
	}
	rules, err := s.lexicon.rulesFor(ctx, feed)
	lx.Rules = rules
	return lx, err
}

func checkRule(r text.Rule) error {
	if err := r.Validate(); err != nil {
		return invalid("lexicon rule: " + err.Error())
	}
	if r.Feed != "" && !ValidFeedName(r.Feed) {
		return invalid("lexicon rule: feed must be lowercase letters, digits and '-'")
	}
	return nil
}

// AddRule adds a pronunciation rule and returns it with its id.
func (s *Service) AddRule(ctx context.Context, r text.Rule) (text.Rule, Lexicon, error) {
	r.ID = "r" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	if err := checkRule(r); err != nil {
		return text.Rule{}, Lexicon{}, err
	}
	lx, err := s.lexicon.change(ctx, func(lx *Lexicon) error {
		for _, old := range lx.Rules {
			if old.Feed == r.Feed && strings.EqualFold(old.Match, r.Match) && old.CaseSensitive == r.CaseSensitive && (!r.CaseSensitive || old.Match == r.Match) {
				return fmt.Errorf("%w: a rule for %q already exists (id %s); edit it instead", ErrConflict, r.Match, old.ID)
			}
		}
		lx.Rules = append(lx.Rules, r)
		return nil
	})
	return r, lx, err
}

// UpdateRule replaces a rule's fields, keeping its id.
func (s *Service) UpdateRule(ctx context.Context, id string, r text.Rule) (text.Rule, Lexicon, error) {
	r.ID = id
	if err := checkRule(r); err != nil {
		return text.Rule{}, Lexicon{}, err
	}
	lx, err := s.lexicon.change(ctx, func(lx *Lexicon) error {
		for i := range lx.Rules {
			if lx.Rules[i].ID == id {
				lx.Rules[i] = r
				return nil
			}
		}
		return fmt.Errorf("%w: lexicon rule %q", ErrNotFound, id)
	})
	return r, lx, err
}

// DeleteRule removes a rule.
func (s *Service) DeleteRule(ctx context.Context, id string) (Lexicon, error) {
	return s.lexicon.change(ctx, func(lx *Lexicon) error {
		for i := range lx.Rules {
			if lx.Rules[i].ID == id {
				lx.Rules = append(lx.Rules[:i], lx.Rules[i+1:]...)
				return nil
			}
		}
		return fmt.Errorf("%w: lexicon rule %q", ErrNotFound, id)
	})
}

// RuleTouches lists, for the articles in the index, the sentences a rule
// would change — what an editor checks before saving a rule.
func (s *Service) RuleTouches(ctx context.Context, r text.Rule, limit int) ([]RuleTouch, error) {
	if err := checkRule(text.Rule{ID: "probe", Match: r.Match, Say: r.Say, CaseSensitive: r.CaseSensitive, Feed: r.Feed}); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 50
	}
	r.ID = "probe"
	all, err := s.index.all(ctx)
	if err != nil {
		return nil, err
	}
	var out []RuleTouch
	for _, a := range all {
		if r.Feed != "" && a.Feed != r.Feed {
			continue
		}
		doc, err := s.Document(ctx, a.ID)
		if err != nil {
			continue
		}
		for _, sen := range text.Segment(doc) {
			if len(text.RulesTouching([]text.Rule{r}, sen.Text)) > 0 {
				out = append(out, RuleTouch{ArticleID: a.ID, Title: a.Title, Sentence: sen.Index, Text: sen.Text})
				if len(out) >= limit {
					return out, nil
				}
			}
		}
	}
	return out, nil
}

// RuleTouch is one sentence a lexicon rule changes.
type RuleTouch struct {
	ArticleID string `json:"article_id"`
	Title     string `json:"title"`
	Sentence  int    `json:"sentence"`
	Text      string `json:"text"`
}
