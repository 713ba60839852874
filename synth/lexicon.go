package synth

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/synth/text"
)

// LexiconEditor keeps the editors' pronunciation rules.
type LexiconEditor struct {
	*core
	rules   LexiconStore
	catalog *Catalog
}

// Lexicon is the editors' pronunciation dictionary. Every change bumps the
// version and is kept as one history row, so a change can be traced and
// undone. Segment cache keys include the rules that fired in a sentence, so
// a change re-synthesizes only the sentences it touches.
type Lexicon struct {
	Version   int         `json:"version"`
	Rules     []text.Rule `json:"rules"`
	UpdatedAt time.Time   `json:"updated_at"`
}

// LexiconStore keeps the rules and their history (sqldb.Lexicon). Change
// runs decide and the write as one transaction, edits one at a time.
type LexiconStore interface {
	Get(ctx context.Context, feed string) (sqldb.LexiconState, error)
	Change(ctx context.Context, at time.Time, decide func(current []sqldb.RuleRow) (sqldb.RuleChange, error)) (sqldb.LexiconState, error)
}

func decodeLexicon(st sqldb.LexiconState) (Lexicon, error) {
	lx := Lexicon{Version: st.Version, UpdatedAt: st.UpdatedAt, Rules: make([]text.Rule, 0, len(st.Rules))}
	for _, row := range st.Rules {
		var r text.Rule
		if err := json.Unmarshal(row.Body, &r); err != nil {
			return Lexicon{}, fmt.Errorf("decode lexicon rule %s: %w", row.ID, err)
		}
		lx.Rules = append(lx.Rules, r)
	}
	return lx, nil
}

func ruleRow(r text.Rule) (sqldb.RuleRow, error) {
	body, err := json.Marshal(r)
	return sqldb.RuleRow{ID: r.ID, Feed: r.Feed, Body: body}, err
}

// rulesFor returns the global rules plus those of one feed.
func (s *LexiconEditor) rulesFor(ctx context.Context, feed string) ([]text.Rule, error) {
	lx, err := s.Lexicon(ctx, feed)
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

// Lexicon returns the pronunciation rules; feed filters to the rules that
// apply to that feed ("" = all rules).
func (s *LexiconEditor) Lexicon(ctx context.Context, feed string) (Lexicon, error) {
	st, err := s.rules.Get(ctx, feed)
	if err != nil {
		return Lexicon{}, fmt.Errorf("read lexicon: %w", err)
	}
	return decodeLexicon(st)
}

// changeRule makes one lexicon edit: decide sees the current rules and
// returns the change or an error that refuses it.
func (s *LexiconEditor) changeRule(ctx context.Context, decide func([]text.Rule) (sqldb.RuleChange, error)) (Lexicon, error) {
	st, err := s.rules.Change(ctx, s.now().UTC(), func(rows []sqldb.RuleRow) (sqldb.RuleChange, error) {
		cur, err := decodeLexicon(sqldb.LexiconState{Rules: rows})
		if err != nil {
			return sqldb.RuleChange{}, err
		}
		return decide(cur.Rules)
	})
	if err != nil {
		return Lexicon{}, err
	}
	return decodeLexicon(st)
}

func checkRule(r text.Rule) error {
	if err := r.Validate(); err != nil {
		return article.Invalid("lexicon rule: " + err.Error())
	}
	if r.Feed != "" && !article.ValidFeedName(r.Feed) {
		return article.Invalid("lexicon rule: feed must be lowercase letters, digits and '-'")
	}
	return nil
}

// AddRule adds a pronunciation rule and returns it with its id.
func (s *LexiconEditor) AddRule(ctx context.Context, r text.Rule) (text.Rule, Lexicon, error) {
	r.ID = "r" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	if err := checkRule(r); err != nil {
		return text.Rule{}, Lexicon{}, err
	}
	row, err := ruleRow(r)
	if err != nil {
		return text.Rule{}, Lexicon{}, err
	}
	lx, err := s.changeRule(ctx, func(rules []text.Rule) (sqldb.RuleChange, error) {
		for _, old := range rules {
			if old.Feed == r.Feed && strings.EqualFold(old.Match, r.Match) && old.CaseSensitive == r.CaseSensitive && (!r.CaseSensitive || old.Match == r.Match) {
				return sqldb.RuleChange{}, fmt.Errorf("%w: a rule for %q already exists (id %s); edit it instead", article.ErrConflict, r.Match, old.ID)
			}
		}
		return sqldb.RuleChange{Action: sqldb.RuleAdded, Rule: row}, nil
	})
	return r, lx, err
}

// UpdateRule replaces a rule's fields, keeping its id.
func (s *LexiconEditor) UpdateRule(ctx context.Context, id string, r text.Rule) (text.Rule, Lexicon, error) {
	r.ID = id
	if err := checkRule(r); err != nil {
		return text.Rule{}, Lexicon{}, err
	}
	row, err := ruleRow(r)
	if err != nil {
		return text.Rule{}, Lexicon{}, err
	}
	lx, err := s.changeRule(ctx, func(rules []text.Rule) (sqldb.RuleChange, error) {
		if !slices.ContainsFunc(rules, func(old text.Rule) bool { return old.ID == id }) {
			return sqldb.RuleChange{}, fmt.Errorf("%w: lexicon rule %q", article.ErrNotFound, id)
		}
		return sqldb.RuleChange{Action: sqldb.RuleUpdated, Rule: row}, nil
	})
	return r, lx, err
}

// DeleteRule removes a rule.
func (s *LexiconEditor) DeleteRule(ctx context.Context, id string) (Lexicon, error) {
	return s.changeRule(ctx, func(rules []text.Rule) (sqldb.RuleChange, error) {
		if !slices.ContainsFunc(rules, func(old text.Rule) bool { return old.ID == id }) {
			return sqldb.RuleChange{}, fmt.Errorf("%w: lexicon rule %q", article.ErrNotFound, id)
		}
		return sqldb.RuleChange{Action: sqldb.RuleDeleted, Rule: sqldb.RuleRow{ID: id}}, nil
	})
}

// RuleTouches lists, for the articles in the catalog, the sentences a rule
// would change — what an editor checks before saving a rule.
func (s *LexiconEditor) RuleTouches(ctx context.Context, r text.Rule, limit int) ([]article.RuleTouch, error) {
	if err := checkRule(text.Rule{ID: "probe", Match: r.Match, Say: r.Say, CaseSensitive: r.CaseSensitive, Feed: r.Feed}); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 50
	}
	r.ID = "probe"
	var out []article.RuleTouch
	err := s.catalog.eachArticle(ctx, sqldb.ArticleFilter{Feed: r.Feed}, func(a article.Summary) bool {
		doc, err := s.catalog.Document(ctx, a.ID)
		if err != nil {
			return true
		}
		for _, sen := range text.Segment(doc) {
			if len(text.RulesTouching([]text.Rule{r}, sen.Text)) > 0 {
				out = append(out, article.RuleTouch{ArticleID: a.ID, Title: a.Title, Sentence: sen.Index, Text: sen.Text})
				if len(out) >= limit {
					return false
				}
			}
		}
		return true
	})
	return out, err
}
